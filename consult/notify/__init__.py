"""Notifications: what delegations are told by e-mail about a consultation, and how often."""


def init_app(app) -> None:
    """Add the notification rounds to the mail worker's scheduled tasks."""
    from consult.notify import fanout

    app.extensions["consult_mail_tasks"].extend(fanout.TASKS)
