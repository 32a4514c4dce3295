"""Imports every model so that Base.metadata is complete (for Alembic and tests)."""

from consult.auth.models import (AccountToken, ApiToken, Delegation, LoginFailure,  # noqa: F401
                                 LoginSession, PasswordResetRequest, User)
from consult.drafts.models import (Consultation, Paragraph, ParagraphKey,  # noqa: F401
                                   ParagraphTranslation, Version, VersionTranslation)
from consult.comments.models import Submission, SubmissionRevision  # noqa: F401
from consult.audit.models import LogEntry  # noqa: F401
from consult.search.models import SearchOutbox  # noqa: F401
from consult.change_clock import ChangeClock  # noqa: F401
from consult.negotiation.models import SilenceBreak, SilenceProcedure  # noqa: F401
from consult.api.models import IdempotencyKey  # noqa: F401
from consult.mail.models import MailMessage, UndeliverableAddress  # noqa: F401
from consult.notify.models import (NotificationDigest, NotificationEvent,  # noqa: F401
                                   NotificationPreference)
