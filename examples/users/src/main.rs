//! Serves the users example: `PORT` and `GATI_*` configure the server,
//! `USERS_API_TOKEN` the bearer token writes need.

fn main() -> std::io::Result<()> {
    let config = users_api::Config::from_env().map_err(std::io::Error::other)?;
    let token = std::env::var("USERS_API_TOKEN").unwrap_or_else(|_| users_example::DEFAULT_TOKEN.into());
    users_api::serve(users_example::App::new(token), config)
}
