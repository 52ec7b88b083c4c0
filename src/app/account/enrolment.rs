//! Setting up an authenticator app: the QR code, the secret to type by hand, the
//! recovery codes, and the code that confirms it all works.

use leptos::prelude::*;

use crate::domain::account::EnrolmentView;

#[component]
pub fn EnrolmentPanel(enrolment: EnrolmentView) -> impl IntoView {
    view! {
        <div class="enrolment">
            <ol class="enrolment__steps">
                <li>
                    <p>"Scan this code with an authenticator app (such as Google Authenticator, Microsoft Authenticator, 1Password or Aegis)."</p>
                    // Drawn on our server from the secret; no outside service sees it.
                    <div class="enrolment__qr" role="img" aria-label="QR code for your authenticator app" inner_html=enrolment.qr_svg></div>
                    <p class="field__hint">
                        "Can't scan? Enter this key instead: "
                        <code class="enrolment__secret" data-testid="totp-secret">{enrolment.secret}</code>
                    </p>
                </li>
                <li>
                    <p>"Keep these recovery codes somewhere safe. Each one lets you in once if you lose your phone."</p>
                    <ul class="enrolment__codes" data-testid="recovery-codes">
                        {enrolment.recovery_codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
                    </ul>
                </li>
                <li><p>"Enter the 6-digit code your app shows now."</p></li>
            </ol>
        </div>
    }
}
