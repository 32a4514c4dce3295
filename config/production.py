"""Settings for a production deployment behind HTTPS: point CONSULT_SETTINGS here.

Combine with CONSULT_DATABASE_URL (PostgreSQL) and CONSULT_SECRET_KEY shared by all nodes.
"""

SESSION_COOKIE_SECURE = True
HSTS = True
