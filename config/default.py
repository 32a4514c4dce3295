"""Every configuration key Consult knows, with its default.

Layers, each overriding the one before: this file, then the Python file named by
CONSULT_SETTINGS, then CONSULT_<KEY> environment variables, then test overrides.
A key that is not declared here is refused, so a typo never passes silently.
"""

# Session signing key. None means: generate one into the instance folder on first start
# and reuse it, so sessions survive restarts without anyone pasting secrets around.
SECRET_KEY = None

# SQLAlchemy URL. None means: SQLite file consult.sqlite3 in the instance folder.
# PostgreSQL: postgresql+psycopg://user@127.0.0.1:5432/consult
DATABASE_URL = None

# Folder of the Whoosh search index. None means: instance/search. Each node keeps its own.
SEARCH_INDEX_PATH = None

# How this process keeps its search index in step with the database's outbox:
# "background": a thread in each app process applies changes right after each commit, and
#   every search first catches up (the embedded default; any number of processes may share
#   one index folder, they take turns through a lock file);
# "request": no thread; every search catches up first (tests, tiny deployments);
# "external": app processes only read; run `flask --app app search sync --follow` once per
#   node to feed that node's index.
SEARCH_UPDATES = "background"

# A search that finds this node's index missing or unreadable rebuilds it inside the
# request while the database holds fewer submissions than this (about 1 ms each: a few
# seconds). From this many on, a rebuild would outlast the worker's timeout (106 s at
# 100,000), so one thread of the process rebuilds it and searches answer 503, "the search
# index is being rebuilt", with Retry-After, until it is done. 0: always in the background.
SEARCH_REBUILD_INLINE_BELOW = 10_000

# How many conversations (a comment or proposal with its replies) a thread page shows at a
# time; the busiest paragraphs draw thousands, which one page could not carry.
THREADS_PER_PAGE = 20

# How many proposals a page of the compilation text holds at most. Pages are runs of whole
# paragraphs (a paragraph with more proposals than this is a page of its own). 400 keeps a
# realistic consultation (a few hundred proposals) on one page that prints as one document,
# as before pages existed, and about half a megabyte of HTML; the busiest (tens of
# thousands) are read a page at a time, or whole, streamed, to print (?all=1).
COMPILATION_PROPOSALS_PER_PAGE = 400

# Bytes of rendered public pages each app process keeps, keyed by their validator (the
# change clock, the address, the language): a burst of readers after a new revision costs
# one render per process. 0 keeps none (every page is rendered; 304s still answer early).
PAGE_CACHE_BYTES = 32 * 1024 * 1024

# Seconds a process answers anonymous readers from the change clock it last read, before
# reading it again (one small query). A change committed by this process is seen at once;
# one made by another process or node reaches anonymous readers at most this much later.
# 0 reads the clock on every request.
PAGE_CLOCK_MAX_AGE = 0.25

# How many submissions one user may post or edit, in Flask-Limiter notation ("30 per minute",
# "200/hour"). Counted in the database, so it holds across any number of app processes.
POST_RATE_LIMIT = "30 per minute"

# Edits of one submission (each keeps the earlier text, shown in its history): at most this
# many, so that one submission's history stays readable and costs little to serve.
MAX_SUBMISSION_EDITS = 20

# Longest comment, reply, explanation or statement, and longest proposed wording
# (characters). Longer text is refused with 413 and nothing is stored.
MAX_SUBMISSION_CHARS = 20_000
MAX_PROPOSED_CHARS = 20_000

# Failed log-ins allowed inside the window before further attempts are refused until the
# window has passed: for one account from one client address; from one address for any
# account (looser: a mission's delegates may share one address); for one account from
# anywhere (beyond it, an address with no failures of its own still gets through, after a
# wait that doubles with each further failure, at most the window: guessing spread over
# many addresses slows down, and nobody can lock a delegate out for good by failing on
# purpose). IPv6 addresses are counted by their /64.
LOGIN_MAX_FAILURES = 5
LOGIN_MAX_FAILURES_PER_ADDRESS = 50
LOGIN_MAX_FAILURES_PER_ACCOUNT = 50
LOGIN_FAILURE_WINDOW_SECONDS = 900

# How many reverse proxies (e.g. nginx in front of gunicorn) sit in front of the app. With
# 0 the client address is the socket's; set it to the real number, or every client looks
# like the proxy, and X-Forwarded-For from clients must not be trusted beyond it.
TRUSTED_PROXIES = 0

# How long a login session lasts after logging in (seconds); then the user logs in again.
SESSION_LIFETIME_SECONDS = 12 * 3600

# Largest request body accepted (bytes); bigger requests get 413.
MAX_CONTENT_LENGTH = 2 * 1024 * 1024

# Largest draft text a co-facilitator may import (characters).
MAX_DRAFT_CHARS = 500_000

# The shortest notice of a silence procedure (hours between putting a text under silence
# and its deadline). Delegations need time to consult their capitals: 24 hours is the
# least the UN usually gives. 0 allows rehearsals and tests.
SILENCE_MINIMUM_HOURS = 24

# How long the answer to an API write sent with an Idempotency-Key is kept (hours): a
# client that lost the answer and retries within this time gets it again, and the change is
# not made twice. 24 hours, as Stripe and the IETF draft suggest: long enough for a client
# to come back after an outage, short enough that the table stays small (older answers are
# ignored, and purged when their account stores a new one).
IDEMPOTENCY_KEY_HOURS = 24

# Cookies: never readable by scripts, not sent on cross-site posts. Production settings
# (config/production.py) also mark them Secure, which needs HTTPS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "consult_session"

# CSRF tokens stay valid for the whole session: a delegate drafting a long amendment
# must not lose it to an expired token.
WTF_CSRF_TIME_LIMIT = None

# Interface languages: the six official languages of the United Nations.
LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")
BABEL_DEFAULT_LOCALE = "en"
BABEL_DEFAULT_TIMEZONE = "UTC"

# The site's address, scheme and host only (e.g. "https://consult.example.org"): every
# absolute link (feeds, exports, Akoma Ntoso, the API, the archive) is built with it,
# whatever Host header a request names. Set it in production. Empty: links follow the
# request, and the API's answers are then not offered to shared caches.
PUBLIC_URL = ""

# The host names the site answers to (e.g. "consult.example.org"; ".example.org" for every
# sub-domain); a request naming another gets 400. Empty: any host (development).
TRUSTED_HOSTS = ()

# E-mail (invitations, password resets, notifications). MAIL_SERVER empty (the embedded
# default): no mail server; messages are written to instance/mail/<n>.eml and announced on
# the console. Set MAIL_SERVER (and PUBLIC_URL: links in messages are built with it, never
# with a request's Host) to send through a mail server over SMTP.
MAIL_SERVER = ""
MAIL_PORT = 25
MAIL_USE_TLS = False  # STARTTLS after connecting
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
MAIL_SENDER = "Consult <no-reply@consult.invalid>"
MAIL_TIMEOUT_SECONDS = 30
# Who sends the outbox: "background", a thread in each web process, soon after each commit
# that queued mail and every MAIL_POLL_SECONDS; "external", `flask --app app mail send
# --follow` run beside the nodes (and the scheduled notifications with it).
MAIL_DELIVERY = "background"
MAIL_POLL_SECONDS = 60
# A temporary failure (4xx, server down) is tried again after MAIL_RETRY_SECONDS, then
# twice as long each time (at most six hours), MAIL_MAX_ATTEMPTS times in all (about two
# days): then the message is marked failed.
MAIL_RETRY_SECONDS = 60
MAIL_MAX_ATTEMPTS = 12
# A message claimed by a worker that died before marking it is sent again after this long.
MAIL_CLAIM_SECONDS = 600
# Links in messages when PUBLIC_URL is empty (the embedded default's own address).
MAIL_LINK_FALLBACK_URL = "http://127.0.0.1:5000"
# The hour (UTC, 0-23) after which each day's summaries are sent to those who chose "daily":
# early in Geneva and New York mornings alike, before the day's meetings.
MAIL_DIGEST_HOUR = 6
# How long an invitation link and a password-reset link stay valid.
INVITATION_DAYS = 7
PASSWORD_RESET_MINUTES = 60
# Password-reset links sent at most this many times an hour to one account, and asked
# for at most PASSWORD_RESET_PER_ADDRESS times an hour from one network address.
PASSWORD_RESET_PER_ACCOUNT = 3
PASSWORD_RESET_PER_ADDRESS = 20

# Send Strict-Transport-Security (only behind HTTPS).
HSTS = False

# Testing switches (set by the test suite, never in production).
TESTING = False
DEBUG = False
