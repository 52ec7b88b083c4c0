#[tokio::main]
async fn main() -> std::process::ExitCode {
    let command = std::env::args().nth(1);
    careops::server::startup::main(command.as_deref()).await
}
