"""Layered configuration: config/default.py → CONSULT_SETTINGS file → CONSULT_* variables."""

from __future__ import annotations

import os
import secrets
import types
from pathlib import Path

import limits

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = ROOT / "config" / "default.py"

# Variables that locate things rather than set keys.
META_VARIABLES = {"CONSULT_SETTINGS", "CONSULT_INSTANCE_PATH", "CONSULT_TEST_DATABASE_URL",
                  "CONSULT_CHROMIUM"}


class ConfigError(RuntimeError):
    """A configuration value or key that cannot be used."""


def _read_pyfile(path: Path) -> dict:
    """Execute a settings file and return its upper-case names."""
    module = types.ModuleType("consult_settings")
    module.__file__ = str(path)
    try:
        code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    except OSError as exc:
        raise ConfigError(f"Cannot read settings file {path}: {exc.strerror}") from exc
    exec(code, module.__dict__)
    return {k: v for k, v in module.__dict__.items() if k.isupper()}


def _coerce(key: str, raw: str, default):
    """Turn an environment string into the type of the key's default."""
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"CONSULT_{key} must be true or false, not {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"CONSULT_{key} must be a whole number, not {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"CONSULT_{key} must be a number, not {raw!r}") from None
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def instance_path() -> Path:
    """The instance folder: CONSULT_INSTANCE_PATH or ./instance."""
    return Path(os.environ.get("CONSULT_INSTANCE_PATH", "instance")).resolve()


def load_settings(test_config: dict | None = None, environ=None) -> dict:
    """Return the merged configuration; unknown keys raise ConfigError."""
    environ = os.environ if environ is None else environ
    settings = _read_pyfile(DEFAULTS_FILE)
    declared = set(settings)

    settings_file = environ.get("CONSULT_SETTINGS")
    if settings_file:
        overrides = _read_pyfile(Path(settings_file))
        unknown = sorted(set(overrides) - declared)
        if unknown:
            raise ConfigError(f"Unknown setting(s) in {settings_file}: {', '.join(unknown)}")
        settings.update(overrides)

    for name, raw in environ.items():
        if not name.startswith("CONSULT_") or name in META_VARIABLES:
            continue
        key = name[len("CONSULT_"):]
        if key not in declared:
            raise ConfigError(f"Unknown setting in environment: {name}")
        settings[key] = _coerce(key, raw, settings[key])

    if test_config:
        unknown = sorted(set(test_config) - declared)
        if unknown:
            raise ConfigError(f"Unknown test setting(s): {', '.join(unknown)}")
        settings.update(test_config)
    _check_rate_limit(settings.get("POST_RATE_LIMIT"))
    if settings.get("SEARCH_UPDATES") not in ("background", "request", "external"):
        raise ConfigError("SEARCH_UPDATES must be one of background, request, external, "
                          f"not {settings.get('SEARCH_UPDATES')!r}")
    if settings.get("MAIL_DELIVERY") not in ("background", "external"):
        raise ConfigError("MAIL_DELIVERY must be background or external, "
                          f"not {settings.get('MAIL_DELIVERY')!r}")
    if settings.get("MAIL_SERVER") and not settings.get("PUBLIC_URL"):
        raise ConfigError("MAIL_SERVER is set but PUBLIC_URL is not: links in messages "
                          "(invitations, password resets) need the site's public address.")
    return settings


def _check_rate_limit(value) -> None:
    """POST_RATE_LIMIT must parse now, not fail with a 500 at the first post."""
    message = f"POST_RATE_LIMIT must read like '30 per minute', not {value!r}"
    if not isinstance(value, str):
        raise ConfigError(message)
    try:
        amount = limits.parse(value).amount
    except ValueError:
        raise ConfigError(message) from None
    if amount < 1:
        raise ConfigError(message)


def resolve_paths(settings: dict, instance: Path) -> None:
    """Fill the defaults that live in the instance folder."""
    instance.mkdir(parents=True, exist_ok=True)
    if not settings.get("DATABASE_URL"):
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'consult.sqlite3'}"
    if not settings.get("SEARCH_INDEX_PATH"):
        settings["SEARCH_INDEX_PATH"] = str(instance / "search")
    Path(settings["SEARCH_INDEX_PATH"]).mkdir(parents=True, exist_ok=True)
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = _instance_secret(instance)


def _instance_secret(instance: Path) -> str:
    """Read, or create once, the secret key kept in the instance folder."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    # O_EXCL: two processes starting at once must end up with the same key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
