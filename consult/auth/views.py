"""Log in and out, the account page, and account management for the secretariat."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from wtforms.fields.choices import SelectChoice

from consult.auth import links, services
from consult.auth.login import begin_login
from consult.auth.delegation_page import PER_PAGE, delegation_submissions
from consult.auth.forms import (
    ChangePasswordForm,
    DelegationForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordForm,
    SetPasswordForm,
    TokenForm,
    UserForm,
)
from consult.errors import ServiceError
from consult.pages import ActionForm, EmptyForm, requested_page
from consult.paging import page_count
from consult.routes import NO_STORE, Routes, build_blueprint
from consult.urls import safe_local_path

routes = Routes()


def blueprint() -> Blueprint:
    """The auth pages."""
    return build_blueprint("auth", __name__, routes)


def _safe_next(target: str | None) -> str:
    # Only local paths: a crafted link must not send a delegate to another site after login.
    return safe_local_path(target, url_for("drafts.index"))


def _refused_login(error):
    # Too many failures: the form again, with how long to wait.
    return render_template("auth/login.html", form=LoginForm(), error=error.message), \
        error.status


@routes.route("/login", methods=["GET", "POST"], refused=_refused_login)
def login():
    """Log in with e-mail address and password."""
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data,
                                     request.remote_addr or "-", current_app.config)
        if user is None:  # the failure is kept (committed) for throttling
            error, status = _("Wrong e-mail address or password."), 401
        else:
            begin_login(user)
            flash(_("You are logged in."), "success")
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        error, status = _("Enter your e-mail address and password."), 400
    return render_template("auth/login.html", form=form, error=error), status


@routes.route("/logout", methods=["POST"])
def logout():
    """Log out: the server forgets the session, so a copied cookie stops working."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        services.end_session(current_user)
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("drafts.index"))


def _account_page(token_form, password_form, *, new_secret=None, error=None,
                  status: int = 200):
    """The user's own page."""
    from consult.moderation.services import HIDE_REASONS, hidden_submissions_of
    return render_template("auth/account.html", token_form=token_form,
                           password_form=password_form, tokens=services.list_tokens(current_user),
                           new_secret=new_secret, error=error, revoke_form=EmptyForm(),
                           hidden_submissions=hidden_submissions_of(current_user),
                           hide_reasons=HIDE_REASONS), status


def _refused_account(error):
    return _account_page(TokenForm(prefix="token"), ChangePasswordForm(prefix="password"),
                         error=error.message, status=error.status)


@routes.route("/account", methods=["GET", "POST"], refused=_refused_account,
              cache=NO_STORE)
@login_required
def account():
    """The user's own page: delegation, password, API tokens."""
    token_form = TokenForm(prefix="token")
    password_form = ChangePasswordForm(prefix="password")
    action = ActionForm().action.data if request.method == "POST" else None
    if action == "create_token" and token_form.validate_on_submit():
        _token, new_secret = services.create_token(current_user, current_user,
                                                   token_form.name.data)
        return _account_page(token_form, password_form, new_secret=new_secret)
    if action == "password" and password_form.validate_on_submit():
        changed = services.change_own_password(
            current_user, password_form.current.data, password_form.password.data,
            address=request.remote_addr or "-", config=current_app.config)
        if changed is None:  # the failure is kept (committed) for throttling
            return _account_page(token_form, password_form, status=400,
                                 error=_("The current password is not right."))
        # Changing the password ends every session, including this one: start afresh.
        # The user, not the proxy: a proxy stored as the user would resolve to itself.
        begin_login(current_user._get_current_object())
        flash(_("Your password has been changed; your other sessions were logged out and "
                "your API tokens revoked."), "success")
        return redirect(url_for("auth.account"))
    if request.method == "POST":
        return _account_page(token_form, password_form, status=400,
                             error=_("The form could not be read; nothing was changed."))
    return _account_page(token_form, password_form)


@routes.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke one of the user's API tokens."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    services.revoke_token(current_user, token_id)
    flash(_("The token was revoked."), "success")
    return redirect(safe_local_path(form.next.data, url_for("auth.account")))


# --- links sent by e-mail: forgotten passwords, invitations -------------------------------


def _forgot_page(form, *, sent=False, error=None, status: int = 200):
    return render_template("auth/forgot_password.html", form=form, sent=sent,
                           error=error), status


def _refused_forgot(error):
    return _forgot_page(ForgotPasswordForm(), error=error.message, status=error.status)


@routes.route("/password/forgot", methods=["GET", "POST"], refused=_refused_forgot,
              cache=NO_STORE)
def forgot_password():
    """Ask for a link to choose a new password; the answer does not say whether the
    address has an account."""
    form = ForgotPasswordForm()
    if request.method == "GET":
        return _forgot_page(form)
    if not form.validate_on_submit():
        return _forgot_page(form, status=400, error=_("Enter your e-mail address."))
    links.request_password_reset(form.email.data, request.remote_addr or "-")
    return _forgot_page(ForgotPasswordForm(formdata=None), sent=True)


def _set_password_page(token, form, *, error=None, status: int = 200):
    return render_template("auth/set_password.html", link=token, form=form,
                           error=error), status


def _refused_set_password(error, token: str):
    # The form again while the link works (a password refused), else only the message.
    return _set_password_page(links.working_link(token), SetPasswordForm(),
                              error=error.message, status=error.status)


@routes.route("/password/set/<token>", methods=["GET", "POST"],
              refused=_refused_set_password, refused_reads=True, cache=NO_STORE)
def set_password(token: str):
    """Choose a password through a link sent by e-mail (an invitation or a reset)."""
    found = links.find_link(token)
    form = SetPasswordForm()
    if request.method == "GET":
        return _set_password_page(found, form)
    if not form.validate_on_submit():
        return _set_password_page(found, form, status=400,
                                  error=_("The form could not be read; nothing was changed."))
    user = links.set_password_with_link(token, form.password.data, form.confirmation.data)
    begin_login(user)
    flash(_("Your password is set, and you are logged in."), "success")
    return redirect(url_for("drafts.index"))


# --- secretariat: accounts ---------------------------------------------------------------

def _delegation_choices():
    locale = str(get_locale() or "en")
    return [SelectChoice("", _("— none —"))] + [
        SelectChoice(d.code, f"{d.name(locale)} ({d.code})")
        for d in services.list_delegations(locale)]


def _users_page(form, *, error=None, status: int = 200):
    return render_template("auth/users.html", users=services.list_users(current_user),
                           form=form, error=error), status


def _user_form() -> UserForm:
    form = UserForm()
    form.delegation.choices = _delegation_choices()
    return form


def _refused_new_user(error):
    return _users_page(_user_form(), error=error.message, status=error.status)


@routes.route("/admin/users", methods=["GET", "POST"], refused=_refused_new_user,
              cache=NO_STORE)
@login_required
def users():
    """List accounts and create new ones."""
    form = _user_form()
    if request.method == "GET":
        return _users_page(form)
    if not form.validate_on_submit():
        return _users_page(form, error=_("The form could not be read; nothing was saved."),
                           status=400)
    user = services.create_user(
        current_user, email=form.email.data, name=form.name.data,
        role=form.role.data, delegation_code=form.delegation.data or None,
        password=form.password.data or None)
    if form.password.data:
        flash(_("Account created for %(name)s.", name=user.name), "success")
    else:
        links.invite(current_user, user)
        flash(_("Account created for %(name)s; an invitation to choose a password was sent "
                "to %(email)s.", name=user.name, email=user.email), "success")
    return redirect(url_for("auth.user", user_id=user.id))


def _user_page(account, form, password_form, *, error=None, status: int = 200):
    """One account's page; its form shows the account as it is stored."""
    form.name.data = account.name
    form.role.data = account.role.value
    form.delegation.data = account.delegation.code if account.delegation else ""
    return render_template("auth/user.html", account=account, form=form,
                           password_form=password_form, action_form=EmptyForm(),
                           tokens=services.list_tokens(account), error=error,
                           invitation=links.pending_invitation(account)), status


def _refused_user_change(error, user_id: int):
    return _user_page(services.get_user(current_user, user_id), _user_form(),
                      PasswordForm(prefix="password"), error=error.message, status=error.status)


@routes.route("/admin/users/<int:user_id>", methods=["GET", "POST"],
              refused=_refused_user_change, cache=NO_STORE)
@login_required
def user(user_id: int):
    """Edit one account: role, delegation, disable, reset password, tokens."""
    account = services.get_user(current_user, user_id)
    form = _user_form()
    password_form = PasswordForm(prefix="password")
    if request.method == "GET":
        return _user_page(account, form, password_form)
    action = ActionForm().action.data
    if action == "update" and form.validate_on_submit():
        services.update_user(current_user, account, name=form.name.data,
                             role=form.role.data, delegation_code=form.delegation.data or "")
        message = _("The account was updated.")
    elif action in ("disable", "enable") and EmptyForm().validate_on_submit():
        services.set_user_disabled(current_user, account, action == "disable")
        message = (_("The account was disabled, logged out everywhere and its API tokens "
                     "revoked.")
                   if action == "disable" else _("The account was enabled."))
    elif action == "invite" and EmptyForm().validate_on_submit():
        links.invite(current_user, account)
        message = _("An invitation to choose a password was sent to %(email)s; the earlier "
                    "link no longer works.", email=account.email)
    elif action == "password" and password_form.validate_on_submit():
        services.reset_password(current_user, account, password_form.password.data)
        message = _("The password was reset; the account was logged out everywhere and its "
                    "API tokens revoked.")
    else:
        raise ServiceError(_("The form could not be read; nothing was changed."))
    flash(message, "success")
    return redirect(url_for("auth.user", user_id=account.id))


def _delegations_page(form, *, error=None, status: int = 200):
    listed = services.list_delegations_for_admin(current_user, str(get_locale() or "en"))
    return render_template("auth/delegations.html", delegations=listed, form=form,
                           error=error), status


def _refused_delegation(error):
    return _delegations_page(DelegationForm(), error=error.message, status=error.status)


@routes.route("/admin/delegations", methods=["GET", "POST"], refused=_refused_delegation)
@login_required
def delegations():
    """List delegations and add IGOs, NGOs and UN entities."""
    form = DelegationForm()
    if request.method == "GET":
        return _delegations_page(form)
    if not form.validate_on_submit():
        raise ServiceError(_("The form could not be read; nothing was saved."))
    names = {lang: getattr(form, f"name_{lang}").data or ""
             for lang in ("en", "fr", "es", "ru", "ar", "zh")}
    delegation = services.add_delegation(current_user, form.code.data, form.kind.data, names)
    flash(_("%(name)s was added.", name=delegation.name_en), "success")
    return redirect(url_for("auth.delegations"))


def _unknown_delegation(error, code: str):
    abort(404)  # an unknown code is a missing page here, not a form error


@routes.route("/delegations/<code>", refused=_unknown_delegation, refused_reads=True)
def delegation(code: str):
    """The public page of one delegation: its names and what it submitted, with excerpts."""
    found = services.get_delegation(code)
    page = requested_page() or 1  # links are ours: a mangled one shows the first page
    submissions, total = delegation_submissions(current_user, found, page=page)
    if page > 1 and not submissions:
        abort(404)  # past the last page
    return render_template("auth/delegation.html", delegation=found, submissions=submissions,
                           total=total, page=page, pages=page_count(total, PER_PAGE))
