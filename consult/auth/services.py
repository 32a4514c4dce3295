"""Accounts, delegations, log-in sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from zxcvbn import zxcvbn

from consult import permissions
from consult.auth import reference_data
from consult.auth.models import (
    ApiToken,
    Delegation,
    DelegationKind,
    LoginFailure,
    LoginSession,
    Role,
    User,
)
from consult.db import db, utcnow
from consult.errors import Conflict, Invalid, NotFound, TooMany

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
# A password must need at least this many guesses by zxcvbn's estimate (its "score 2":
# safe from online guessing, which log-in throttling limits further).
GUESSES_NEEDED = 10**6
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Roles that speak for a delegation and so must belong to one.
SPEAKING_ROLES = (Role.delegate, Role.observer)
TOKEN_PREFIX = "cst_"


# --- delegations -----------------------------------------------------------------------


def load_reference_delegations() -> int:
    """Insert or refresh the UN Member States, observer States and groups; return how many were added."""
    existing = {d.code: d for d in db.session.scalars(select(Delegation))}
    added = 0
    for record in reference_data.ALL_DELEGATIONS:
        delegation = existing.get(record.code)
        if delegation is None:
            delegation = Delegation(code=record.code)
            db.session.add(delegation)
            added += 1
        delegation.kind = DelegationKind(record.kind)
        delegation.names = dict(record.names)
        delegation.name_en = record.names["en"]
        delegation.m49 = record.m49
        delegation.admitted_on = record.admitted_on
        delegation.is_reference = True
    db.session.flush()
    return added


def get_delegation(code: str) -> Delegation:
    """The delegation with this code (any case), or Invalid with a clear message."""
    normalised = (code or "").strip().upper()
    delegation = db.session.scalar(select(Delegation).where(Delegation.code == normalised))
    if delegation is None:
        raise Invalid(
            _(
                "Unknown delegation code '%(code)s': use an ISO 3166-1 alpha-3 code for a State (e.g. FRA) or a group or organisation code (e.g. EU, G77).",
                code=code,
            ),
            field="delegation",
        )
    return delegation


def add_delegation(actor, code: str, kind: str, names: dict[str, str]) -> Delegation:
    """Add an IGO, NGO or UN entity (States and groups come from the reference data)."""
    permissions.require(actor, "manage_delegations")
    try:
        code = reference_data.validate_new_code(code)
    except ValueError as exc:
        raise Invalid(str(exc), field="code") from None
    try:
        kind_value = DelegationKind(kind)
    except ValueError:
        raise Invalid(_("Unknown delegation type '%(kind)s'.", kind=kind), field="kind") from None
    if kind_value not in (DelegationKind.igo, DelegationKind.ngo, DelegationKind.un_entity):
        raise Invalid(
            _(
                "Only IGOs, NGOs and UN entities can be added; States and groups are reference data."
            ),
            field="kind",
        )
    english = (names.get("en") or "").strip()
    if not english:
        raise Invalid(_("An English name is required."), field="name")
    if len(english) > 200:
        raise Invalid(_("The name is too long (200 characters at most)."), field="name")
    if db.session.scalar(select(Delegation.id).where(Delegation.code == code)):
        raise Conflict(
            _("A delegation with code %(code)s already exists.", code=code), field="code"
        )
    clean = {
        lang: (names.get(lang) or "").strip()[:200] for lang in ("en", "fr", "es", "ru", "ar", "zh")
    }
    delegation = Delegation(
        code=code,
        kind=kind_value,
        names={k: v for k, v in clean.items() if v},
        name_en=english,
        is_reference=False,
    )
    db.session.add(delegation)
    db.session.flush()
    return delegation


def list_delegations_for_admin(actor, locale: str = "en") -> list[Delegation]:
    """Every delegation, for the secretariat's page."""
    permissions.require(actor, "manage_delegations")
    return list_delegations(locale)


def list_delegations(locale: str = "en") -> list[Delegation]:
    """Every delegation, States first, then by name in the reader's language."""
    order = {k: i for i, k in enumerate(DelegationKind)}
    rows = list(db.session.scalars(select(Delegation)))
    return sorted(rows, key=lambda d: (order[d.kind], name_sort_key(d.name(locale)), d.code))


def name_sort_key(name: str) -> tuple[str, str]:
    """Dictionary order without ICU: accents and case only break ties.

    "Émirats arabes unis" files under E, after "Autriche" and before "Espagne"; "Ё" with
    "Е". Chinese names fall back to code-point order, which is stable if not pinyin.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base.casefold(), name


def count_member_states_on(day: dt.date) -> int:
    """How many UN Member States there were on a given day."""
    return (
        db.session.scalar(
            select(func.count(Delegation.id)).where(
                Delegation.kind == DelegationKind.member_state, Delegation.admitted_on <= day
            )
        )
        or 0
    )


# --- accounts --------------------------------------------------------------------------


def _check_password(password: str, context: tuple[str, ...] = ()) -> None:
    """Refuse a password that is short, blank or easy to guess (OWASP ASVS 5.0, V6).

    One policy wherever a password is set: at least MIN_PASSWORD_LENGTH characters, not
    only spaces, and not guessable in fewer than GUESSES_NEEDED tries by zxcvbn, which
    knows the 30,000 most common passwords, words, names, dates, keyboard rows, repeats and
    sequences, and the account's own name and address (`context`). No rule on character
    classes: a long passphrase of ordinary words passes.
    """
    if password is not None and password and not password.strip():
        raise Invalid(_("The password cannot be only spaces."), field="password")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise Invalid(
            _(
                "The password must have at least %(min_password_length)s characters.",
                min_password_length=MIN_PASSWORD_LENGTH,
            ),
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(_("The password is too long."), field="password")
    # zxcvbn's cost grows with the length; past 100 characters, guessing is out of reach.
    if len(password) <= 100 and \
            zxcvbn(password, user_inputs=[c for c in context if c])["guesses"] < GUESSES_NEEDED:
        raise Invalid(_("This password is too easy to guess: it is a common password, or "
                        "made from a name, a date, a keyboard row or a repeated pattern. "
                        "A few unrelated words make a good one."), field="password")


def _parse_role(role) -> Role:
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise Invalid(
            _("Unknown role '%(role)s': use one of %(allowed)s.", role=role, allowed=allowed),
            field="role",
        ) from None


def _resolve_delegation(role: Role, code: str | None) -> Delegation | None:
    if code:
        return get_delegation(code)
    if role in SPEAKING_ROLES:
        raise Invalid(
            _("A %(value)s must belong to a delegation.", value=role.value), field="delegation"
        )
    return None


def create_user(
    actor,
    *,
    email: str,
    name: str,
    role: str,
    delegation_code: str | None = None,
    password: str | None = None,
) -> User:
    """Create an account (the command line acts as permissions.COMMAND_LINE)."""
    permissions.require(actor, "manage_users")
    email = (email or "").strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise Invalid(_("Enter a valid e-mail address."), field="email")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise Invalid(_("Enter the person's name (200 characters at most)."), field="name")
    role_value = _parse_role(role)
    delegation = _resolve_delegation(role_value, delegation_code)
    if password is not None:
        _check_password(password, (email, email.split("@")[0], name))
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(_("An account for %(email)s already exists.", email=email), field="email")
    user = User(
        email=email,
        name=name,
        role=role_value,
        delegation=delegation,
        password_hash=_hasher.hash(password) if password else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def update_user(
    actor,
    user: User,
    *,
    name: str | None = None,
    role: str | None = None,
    delegation_code: str | None = None,
) -> User:
    """Change an account's name, role or delegation."""
    permissions.require(actor, "manage_users", user)
    if name is not None:
        name = name.strip()
        if not name or len(name) > 200:
            raise Invalid(_("Enter the person's name (200 characters at most)."), field="name")
        user.name = name
    role_value = _parse_role(role) if role is not None else user.role
    if delegation_code is not None:
        user.delegation = _resolve_delegation(role_value, delegation_code or None)
    elif role_value in SPEAKING_ROLES and user.delegation is None:
        raise Invalid(
            _("A %(value)s must belong to a delegation.", value=role_value.value),
            field="delegation",
        )
    if user.id == actor.id and role_value != Role.secretariat:
        raise Invalid(_("You cannot remove your own secretariat role."), field="role")
    _keep_a_secretariat(user, new_role=role_value, disabled=user.is_disabled)
    user.role = role_value
    db.session.flush()
    return user


def _keep_a_secretariat(user: User, *, new_role: Role, disabled: bool) -> None:
    """Refuse a change that would leave no enabled secretariat account."""
    if user.role != Role.secretariat or user.is_disabled:
        return
    if new_role == Role.secretariat and not disabled:
        return
    others = db.session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.secretariat, User.is_disabled.is_(False), User.id != user.id))
    if not others:
        raise Invalid(_("This is the last enabled secretariat account: create or enable "
                        "another one first, or nobody could manage accounts."))


def set_user_disabled(actor, user: User, disabled: bool) -> User:
    """Disable (ending every session and token use) or re-enable an account."""
    permissions.require(actor, "manage_users", user)
    if user.id == actor.id and disabled:
        raise Invalid(_("You cannot disable your own account."))
    _keep_a_secretariat(user, new_role=user.role, disabled=disabled)
    user.is_disabled = disabled
    if disabled:
        revoke_all_sessions(user)
        # Not merely refused while disabled: enabling the account again must not bring
        # back tokens that may have leaked with whatever got it disabled.
        revoke_all_tokens(user)
    db.session.flush()
    return user


def reset_password(actor, user: User, password: str) -> User:
    """Set a new password and end the account's other sessions."""
    if actor is None or actor.id != user.id:  # one's own: no rule; nobody: refused
        permissions.require(actor, "manage_users", user)
    _check_password(password, (user.email, user.email.split("@")[0], user.name))
    user.password_hash = _hasher.hash(password)
    revoke_all_sessions(user)
    # A token is a credential too: one taken with the old password must stop working.
    revoke_all_tokens(user)
    db.session.flush()
    return user


def set_language_preference(user: User, language: str) -> User:
    """Save the interface language a user chose; it is used at every later log-in."""
    if language not in current_app.config["LANGUAGES"]:
        raise Invalid(_("Choose one of the six languages."), field="language")
    user.language = language
    db.session.flush()
    return user


def change_own_password(user: User, current: str, new: str, *, address: str,
                        config) -> User | None:
    """Change one's own password after proving the current one; other sessions end.

    A wrong current password is a failed log-in: recorded (the caller commits it, so None
    is returned rather than an error raised) and throttled like one, so that a session
    left open is not a way to guess the password without limit.
    """
    address = client_key(address)
    if _too_many_failures(user.email, address, config):
        minutes = max(1, config["LOGIN_FAILURE_WINDOW_SECONDS"] // 60)
        raise TooMany(
            _("Too many failed log-in attempts. Try again in %(minutes)s minutes.", minutes=minutes)
        )
    try:
        ok = bool(user.password_hash) and _hasher.verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        db.session.add(LoginFailure(email=user.email, address=address[:64], at=utcnow()))
        db.session.flush()
        return None
    return reset_password(user, user, new)


def get_user(actor, user_id: int) -> User:
    """The account with this id (secretariat), or NotFound."""
    permissions.require(actor, "manage_users")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such account."))
    return user


def get_user_by_email(email: str) -> User:
    """The account with this e-mail address, or NotFound."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise NotFound(_("No account for %(email)s.", email=email))
    return user


def list_users(actor) -> list[User]:
    """Every account, by name (secretariat)."""
    permissions.require(actor, "manage_users")
    return list(db.session.scalars(select(User).order_by(User.name)))


def list_users_with_role(role: Role) -> list[User]:
    """The active accounts of one role, by name."""
    return list(
        db.session.scalars(
            select(User).where(User.role == role, User.is_disabled.is_(False)).order_by(User.name)
        )
    )


# --- logging in ------------------------------------------------------------------------


def _too_many_failures(email: str, address: str, config) -> bool:
    """Whether this attempt must be refused without checking the password.

    Three limits within the window: failures for this account from this address (strict),
    failures from this address for any account (against one machine trying many accounts),
    and failures for this account from anywhere (against many machines guessing one
    password). The last one still lets through an address with no failures of its own, so
    that nobody can lock a delegate out of their account by failing on purpose.
    """
    since = utcnow() - dt.timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"])
    recent = select(func.count(LoginFailure.id)).where(LoginFailure.at >= since)
    by_pair = db.session.scalar(
        recent.where(LoginFailure.email == email, LoginFailure.address == address))
    if by_pair >= config["LOGIN_MAX_FAILURES"]:
        return True
    by_address = db.session.scalar(recent.where(LoginFailure.address == address))
    if by_address >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
        return True
    by_email = db.session.scalar(recent.where(LoginFailure.email == email))
    over = by_email - config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    if over < 0:
        return False
    if by_pair > 0:
        return True
    # Guessed at from many addresses: each new one is let through only after a wait that
    # doubles with every further failure (never longer than the window), so guessing
    # spread over addresses slows to a crawl while the owner can still get in.
    return _account_wait(email, over, config) > 0


def _account_wait(email: str, over: int, config) -> float:
    """Seconds before the next attempt on an account guessed at from many addresses."""
    last = db.session.scalar(select(func.max(LoginFailure.at)).where(LoginFailure.email == email))
    if last is None:
        return 0
    wait = min(2.0 ** min(over, 20), config["LOGIN_FAILURE_WINDOW_SECONDS"])
    return max(0.0, wait - (utcnow() - last).total_seconds())


def client_key(address: str) -> str:
    """How failures are counted for a client address: an IPv6 address by its /64 (one
    household or machine holds a whole /64), an IPv4 address (or one mapped into IPv6)
    as itself."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return (address or "-")[:64]
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def authenticate(email: str, password: str, address: str, config) -> User | None:
    """The account if e-mail and password match; None otherwise (the failure is recorded).

    Raises TooMany while the e-mail address or client address has failed too often.
    """
    email = (email or "").strip().lower()[:254]
    address = client_key(address)
    if _too_many_failures(email, address, config):
        minutes = max(1, config["LOGIN_FAILURE_WINDOW_SECONDS"] // 60)
        raise TooMany(
            _("Too many failed log-in attempts. Try again in %(minutes)s minutes.", minutes=minutes)
        )
    user = db.session.scalar(select(User).where(User.email == email))
    ok = False
    if user is not None and user.password_hash and not user.is_disabled:
        try:
            ok = _hasher.verify(user.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            ok = False
        if ok and _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
    else:
        # Spend the same time as a real check so response times do not reveal accounts.
        _hasher.hash(password or "x")
    if not ok:
        db.session.add(LoginFailure(email=email, address=address[:64], at=utcnow()))
        db.session.flush()
        return None
    # Forget only this address's failures: the owner logging in must not reset the count
    # of someone guessing from elsewhere.
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.address == address[:64]))
    return user


def start_session(user: User) -> LoginSession:
    """Open a server-side login session for this user."""
    login = LoginSession(token=secrets.token_urlsafe(32), user=user)
    db.session.add(login)
    db.session.flush()
    user.current_login = login
    return login


def load_session_user(token: str, lifetime_seconds: int) -> User | None:
    """The user of a live login session, or None if it was revoked, expired or disabled."""
    if not token:
        return None
    login = db.session.scalar(select(LoginSession).where(LoginSession.token == token))
    if login is None or login.revoked_at is not None or login.user.is_disabled:
        return None
    now = utcnow()
    if now - login.created_at > dt.timedelta(seconds=lifetime_seconds):
        return None
    login.user.current_login = login
    return login.user


def end_session(user: User) -> None:
    """Revoke the login session the user is using (log out)."""
    login = getattr(user, "current_login", None)
    if login is not None and login.revoked_at is None:
        login.revoked_at = utcnow()
        db.session.flush()


def revoke_all_sessions(user: User) -> None:
    """Revoke every login session of this user."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# --- API tokens ------------------------------------------------------------------------


def revoke_all_tokens(user: User) -> None:
    """Revoke every live API token of this user (password changed or reset, disabled)."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: no dictionary to guess from.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(actor, user: User, name: str = "API token") -> tuple[ApiToken, str]:
    """Create an API token for `user`; return it and the secret, shown only once."""
    if actor is None or actor.id != user.id:  # one's own: no rule; nobody: refused
        permissions.require(actor, "manage_users", user)
    if user.is_disabled:
        raise Invalid(_("This account is disabled."))
    name = (name or "").strip() or "API token"
    if len(name) > 100:
        raise Invalid(_("The token name is too long (100 characters at most)."), field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=_hash_token(secret), prefix=secret[:10])
    db.session.add(token)
    db.session.flush()
    return token, secret


def list_tokens(user: User) -> list[ApiToken]:
    """The user's API tokens, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's tokens (the secretariat may revoke anyone's)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and not permissions.can(actor, "manage_users")):
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
    return token


def load_token_user(secret: str) -> User | None:
    """The user a bearer token belongs to, if it is live."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(secret)))
    if token is None or token.revoked_at is not None or token.user.is_disabled:
        return None
    return token.user
