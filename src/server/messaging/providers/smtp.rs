//! Mail through an SMTP server (`lettre`, TLS by rustls).

use std::time::Duration;

use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    transport::smtp::{authentication::Credentials, client::Tls, AsyncSmtpTransport},
    AsyncTransport, Tokio1Executor,
};

use super::{Accepted, Email, EmailProvider, Refused};

/// How to reach a mail server.
pub struct SmtpSettings<'a> {
    pub host: &'a str,
    pub port: u16,
    /// `starttls`, `tls` (implicit, usually port 465) or `none` (a local relay only).
    pub security: &'a str,
    pub username: &'a str,
    pub password: &'a str,
    pub from_name: &'a str,
    pub from_email: &'a str,
}

/// Mail through an SMTP server (TLS by rustls).
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    host: String,
    from: Mailbox,
}

impl Smtp {
    pub fn new(s: &SmtpSettings<'_>) -> Result<Self, Refused> {
        let from = Mailbox::new(
            (!s.from_name.is_empty()).then(|| s.from_name.to_owned()),
            s.from_email.parse().map_err(|_| {
                Refused::Permanent(format!(
                    "The sender address {:?} is not an email address: set it in Settings → Messages.",
                    s.from_email
                ))
            })?,
        );
        let unreachable = |e: lettre::transport::smtp::Error| {
            Refused::Permanent(format!("The mail server {:?} cannot be used: {e}", s.host))
        };
        let builder = match s.security {
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(s.host).map_err(unreachable)?,
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(s.host).tls(Tls::None),
            _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(s.host).map_err(unreachable)?,
        };
        let mut builder = builder.port(s.port).timeout(Some(Duration::from_secs(20)));
        if !s.username.is_empty() {
            builder = builder.credentials(Credentials::new(s.username.to_owned(), s.password.to_owned()));
        }
        Ok(Self {
            transport: builder.build(),
            host: s.host.to_owned(),
            from,
        })
    }
}

impl EmailProvider for Smtp {
    fn name(&self) -> &'static str {
        "smtp"
    }

    async fn send(&self, email: &Email<'_>) -> Result<Accepted, Refused> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|_| Refused::Permanent(format!("{:?} is not an email address.", email.to)))?;
        // The same Message-ID at every attempt, so that a receiving server can tell a
        // repeat from a new message.
        let message_id = format!("<{}@careops>", email.id);
        let builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject)
            .message_id(Some(message_id.clone()));
        let message = match email.attachment {
            None => builder.header(ContentType::TEXT_PLAIN).body(email.body.to_owned()),
            Some(file) => {
                let kind = ContentType::parse(file.content_type)
                    .map_err(|e| Refused::Permanent(format!("The attachment's type is wrong: {e}")))?;
                builder.multipart(
                    MultiPart::mixed()
                        .singlepart(SinglePart::plain(email.body.to_owned()))
                        .singlepart(
                            lettre::message::Attachment::new(file.file_name.clone()).body(file.bytes.clone(), kind),
                        ),
                )
            }
        }
        .map_err(|e| Refused::Permanent(format!("The message could not be written: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(Accepted { message_id }),
            Err(e) if e.is_permanent() => Err(Refused::Permanent(format!("The mail server refused it: {e}"))),
            Err(e) if e.is_timeout() => Err(Refused::Temporary(format!(
                "The mail server {} did not answer in time.",
                self.host
            ))),
            Err(e) => Err(Refused::Temporary(format!(
                "Could not hand it to the mail server {}: {e}",
                self.host
            ))),
        }
    }
}
