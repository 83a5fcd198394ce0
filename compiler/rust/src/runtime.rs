//! The runtime's source, embedded from `runtime-template/src` and copied into
//! every generated crate as `src/runtime/` (`lib.rs` becomes `mod.rs`).

/// Every file of `runtime-template/src`, by name. A unit test keeps this list
/// equal to the folder's `.rs` files.
pub(crate) const FILES: &[(&str, &str)] = &[
    (
        "access_log.rs",
        include_str!("../../../runtime-template/src/access_log.rs"),
    ),
    (
        "admission.rs",
        include_str!("../../../runtime-template/src/admission.rs"),
    ),
    (
        "body.rs",
        include_str!("../../../runtime-template/src/body.rs"),
    ),
    (
        "clients.rs",
        include_str!("../../../runtime-template/src/clients.rs"),
    ),
    (
        "codec.rs",
        include_str!("../../../runtime-template/src/codec.rs"),
    ),
    (
        "config.rs",
        include_str!("../../../runtime-template/src/config.rs"),
    ),
    (
        "constant.rs",
        include_str!("../../../runtime-template/src/constant.rs"),
    ),
    (
        "cors.rs",
        include_str!("../../../runtime-template/src/cors.rs"),
    ),
    (
        "docs.rs",
        include_str!("../../../runtime-template/src/docs.rs"),
    ),
    (
        "events.rs",
        include_str!("../../../runtime-template/src/events.rs"),
    ),
    (
        "form.rs",
        include_str!("../../../runtime-template/src/form.rs"),
    ),
    (
        "jwt.rs",
        include_str!("../../../runtime-template/src/jwt.rs"),
    ),
    (
        "lib.rs",
        include_str!("../../../runtime-template/src/lib.rs"),
    ),
    (
        "metrics.rs",
        include_str!("../../../runtime-template/src/metrics.rs"),
    ),
    (
        "panel.rs",
        include_str!("../../../runtime-template/src/panel.rs"),
    ),
    (
        "problem.rs",
        include_str!("../../../runtime-template/src/problem.rs"),
    ),
    (
        "reply.rs",
        include_str!("../../../runtime-template/src/reply.rs"),
    ),
    (
        "scalar.rs",
        include_str!("../../../runtime-template/src/scalar.rs"),
    ),
    (
        "server.rs",
        include_str!("../../../runtime-template/src/server.rs"),
    ),
    (
        "testing.rs",
        include_str!("../../../runtime-template/src/testing.rs"),
    ),
    (
        "trace.rs",
        include_str!("../../../runtime-template/src/trace.rs"),
    ),
    (
        "validate.rs",
        include_str!("../../../runtime-template/src/validate.rs"),
    ),
    (
        "version.rs",
        include_str!("../../../runtime-template/src/version.rs"),
    ),
];

/// The path of a runtime file inside the generated crate.
pub(crate) fn output_path(name: &str) -> String {
    match name {
        "lib.rs" => "server/src/runtime/mod.rs".to_string(),
        other => format!("server/src/runtime/{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::FILES;

    #[test]
    fn embedded_files_are_the_runtime_folder() {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../../runtime-template/src");
        let mut on_disk: Vec<String> = std::fs::read_dir(folder)
            .expect("runtime-template/src is readable")
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".rs"))
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = FILES.iter().map(|(name, _)| name.to_string()).collect();
        assert_eq!(embedded, on_disk, "update runtime::FILES in compiler/rust");
    }
}
