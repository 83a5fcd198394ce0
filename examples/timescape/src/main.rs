//! Serves the Timescape example: `PORT` and `GATI_*` configure the server
//! (`GATI_DEFAULT_VERSION` picks the version of requests that name none).

fn main() -> std::io::Result<()> {
    let config = timescape_api::Config::from_env().map_err(std::io::Error::other)?;
    timescape_api::serve(timescape_example::App::new(), config)
}
