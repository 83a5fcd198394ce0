//! Serves the notes example: `PORT` and `GATI_*` configure the server,
//! `NOTES_JWKS` names the JWKS file whose keys verify bearer tokens
//! (`tests/fixtures/jwks.json` holds test keys).

fn main() -> std::io::Result<()> {
    let config = notes_api::Config::from_env().map_err(std::io::Error::other)?;
    notes_api::serve(notes_example::App::default(), config)
}
