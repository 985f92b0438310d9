"""Account pages: sign up, verify, sign in and out, reset and change password."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from brokerage.accounts import bp, services, sessions
from brokerage.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    ResetPasswordForm,
    SignInForm,
    SignUpForm,
)
from brokerage.accounts.signing_in import SESSION_KEY
from brokerage.errors import DomainError
from brokerage.extensions import db, limiter
from brokerage.forms import ActionForm
from brokerage.permissions import Action, require


def _limit(setting: str):
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])


def _link_problem(exc: DomainError, purpose: str):
    expired = isinstance(exc, services.TokenExpired)
    return render_template("accounts/link_problem.html", expired=expired, purpose=purpose), 400


@bp.route("/sign-up", methods=["GET", "POST"])
@require(Action.PUBLIC)
@_limit("RATELIMIT_SIGN_UP")
def sign_up():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignUpForm()
    if form.validate_on_submit():
        services.sign_up(form.name.data, form.email.data, form.password.data)
        db.session.commit()
        return redirect(
            url_for("accounts.check_email", email=services.normalise_email(form.email.data))
        )
    return render_template("accounts/sign_up.html", form=form)


@bp.route("/check-your-email")
@require(Action.PUBLIC)
def check_email():
    return render_template("accounts/check_email.html", email=request.args.get("email", "")[:254])


@bp.route("/verify/<token>")
@require(Action.PUBLIC)
def verify_email(token: str):
    try:
        user = services.verify_email(token)
    except (services.TokenExpired, services.TokenInvalid) as exc:
        return _link_problem(exc, "verify")
    db.session.commit()
    flash("Your email address is confirmed.", "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("main.home"))
    return redirect(url_for("accounts.sign_in"))


@bp.route("/verify/resend", methods=["POST"])
@require(Action.ACCOUNT)
@_limit("RATELIMIT_SIGN_UP")
def resend_verification():
    form = ActionForm()
    if form.validate_on_submit() and not current_user.is_verified:
        services.send_verification_email(current_user)
        db.session.commit()
        flash(f"We have sent a new link to {current_user.email}.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/sign-in", methods=["GET", "POST"])
@require(Action.PUBLIC)
@_limit("RATELIMIT_SIGN_IN")
def sign_in():
    next_url = request.args.get("next")
    if not services.is_safe_next(next_url):
        next_url = None
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            token = sessions.start(user, request.headers.get("User-Agent"))
            db.session.commit()
            login_user(user)
            session[SESSION_KEY] = token
            return redirect(next_url or url_for("main.home"))
        # One message for both a wrong address and a wrong password.
        form.email.errors.append("Enter a correct email address and password")
    return render_template("accounts/sign_in.html", form=form, next_url=next_url)


@bp.route("/sign-out", methods=["POST"])
@require(Action.ACCOUNT)
def sign_out():
    form = ActionForm()
    if form.validate_on_submit():
        sessions.end(session.get(SESSION_KEY))
        db.session.commit()
        logout_user()
        session.pop(SESSION_KEY, None)
        flash("You have signed out.", "success")
    return redirect(url_for("main.home"))


@bp.route("/sessions/sign-out-others", methods=["POST"])
@require(Action.ACCOUNT)
def sign_out_others():
    form = ActionForm()
    if form.validate_on_submit():
        ended = sessions.end_others(current_user, keep=session.get(SESSION_KEY))
        db.session.commit()
        if ended:
            flash(
                f"You have signed out of {ended} other {'device' if ended == 1 else 'devices'}.",
                "success",
            )
        else:
            flash("You were not signed in anywhere else.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/reminders", methods=["POST"])
@require(Action.ACCOUNT)
def reminders():
    wanted = request.form.get("reminders") == "on"
    if ActionForm().validate_on_submit():
        services.set_reminders(current_user, wanted)
        db.session.commit()
        flash("Reminders are on." if wanted else "Reminders are off.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/daily-digest", methods=["POST"])
@require(Action.ACCOUNT)
def daily_digest():
    wanted = request.form.get("digest") == "on"
    if ActionForm().validate_on_submit():
        services.set_daily_digest(current_user, wanted)
        db.session.commit()
        flash(
            "You will get one email a day listing your notices."
            if wanted
            else "You will get an email for each notice.",
            "success",
        )
    return redirect(url_for("accounts.account"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@require(Action.PUBLIC)
@_limit("RATELIMIT_PASSWORD_RESET")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/reset_sent.html", email=form.email.data.strip())
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@require(Action.PUBLIC)
@_limit("RATELIMIT_PASSWORD_RESET")
def reset_password(token: str):
    try:
        user = services.user_for_reset_token(token)
    except (services.TokenExpired, services.TokenInvalid) as exc:
        return _link_problem(exc, "reset")
    form = ResetPasswordForm()
    form.account_email = user.email
    if form.validate_on_submit():
        user = services.reset_password(token, form.password.data)
        db.session.commit()
        logout_user()
        session.pop(SESSION_KEY, None)
        flash("Your password has been changed. Sign in with your new password.", "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form, user=user)


def _account_key() -> str:
    return f"account:{current_user.id}"


def _guessed_wrong(response) -> bool:
    return bool(g.get("wrong_current_password"))


@bp.route("/password/change", methods=["GET", "POST"])
@require(Action.ACCOUNT)
# Only wrong current passwords count, per account: someone holding a stolen session
# cannot try guess after guess, and a typo in the new password costs nothing.
@limiter.limit(
    lambda: current_app.config["RATELIMIT_CHANGE_PASSWORD"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_guessed_wrong,
)
def change_password():
    form = ChangePasswordForm()
    form.account_email = current_user.email
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user,
                form.current_password.data,
                form.password.data,
                keep_session=session.get(SESSION_KEY),
            )
        except services.WrongPassword as exc:
            g.wrong_current_password = True
            form.current_password.errors.append(str(exc))
        except DomainError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            # The session token changed: sign this browser in again, others stay out.
            login_user(current_user._get_current_object())
            flash("Your password has been changed.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/")
@require(Action.ACCOUNT)
def account():
    token = session.get(SESSION_KEY)
    signed_in = [
        (found, sessions.is_current(found, token)) for found in sessions.live(current_user)
    ]
    # This device first, then the others by when they were last used.
    signed_in.sort(key=lambda pair: not pair[1])
    return render_template(
        "accounts/account.html",
        resend_form=ActionForm(),
        signed_in=signed_in,
    )
