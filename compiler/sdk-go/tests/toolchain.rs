//! Every generated SDK passes the Go toolchain: gofmt-clean, `go vet` and
//! `go build` (Go 1.19, standard library only, no module proxy), and the
//! hand-written offline tests of `drive/` pass against the users example's SDK.
//! Fails, with the install command, when Go is missing.

mod collisions;
mod support;

use gatic_ir::Spec;

#[test]
fn generated_sdks_vet_and_build() {
    let dir = support::root().join("specs/valid");
    let mut specs: Vec<(String, Spec)> = vec![
        ("collisions".into(), support::collisions()),
        ("cased-collisions".into(), collisions::cased_collisions()),
        ("example-users".into(), support::users_example()),
    ];
    for (name, file) in support::corpus() {
        specs.push((format!("corpus-{name}"), support::compile(&dir, &file)));
    }
    let mut failures = Vec::new();
    for (name, spec) in &specs {
        let out = support::sdk_dir(name);
        support::write_sdk(&out, &gatic_sdk_go::generate(spec));
        if let Err(e) = support::check_sdk(&out) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn offline_drive_tests_pass() {
    let sdk = support::sdk_dir("drive-users");
    support::write_sdk(&sdk, &gatic_sdk_go::generate(&support::users_example()));
    let drive = support::drive_module(&sdk);
    let mut vet = support::go("go", &drive);
    vet.args(["vet", "./..."]);
    if let Err(e) = support::run(vet) {
        panic!("{e}");
    }
    let mut test = support::go("go", &drive);
    test.args(["test", "-count=1", "-run", "Offline", "./..."])
        .env_remove("GATI_TEST_BASE_URL");
    if let Err(e) = support::run(test) {
        panic!("{e}");
    }
}

/// Forms the corpus lacks, in a spec that has no bytes body: an optional
/// file of one media type, a file of any type, values of every scalar kind
/// and an enum, a form without files, a path parameter named `form`, a part
/// named `form_part` and parts whose names collide after casing.
const FORMS: &str = r#"
service forms {
  title "Forms"
}

/// A document's kind.
enum Kind { note, report }

/// An upload's record.
type Upload {
  id: uuid
}

/// Every kind of part.
route upload POST /folders/{form: string}/uploads {
  body multipart {
    /// The document.
    document: file @accept("application/pdf")
    /// A thumbnail of it.
    thumbnail?: file @accept("image/png")
    attachment?: file
    kind: Kind
    taken_at?: datetime
    owner?: uuid
    size?: int64
    score?: float64
    draft?: bool
    form_part?: string
    a_b?: string
    aB?: string
  }
  returns 201 Upload
}

/// A form without files.
route rename PUT /uploads/{id: uuid}/name {
  body multipart {
    name: string
  }
}
"#;

#[test]
fn form_shapes_vet_and_build() {
    let dir = support::sdk_dir("forms-spec");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the spec folder");
    std::fs::write(dir.join("forms.gati"), FORMS).expect("write the spec");
    let spec = support::compile(&dir, "forms.gati");
    let files = gatic_sdk_go::generate(&spec);
    let client = files
        .iter()
        .find(|f| f.path == "sdk/go/client.go")
        .map(|f| f.contents.as_str())
        .unwrap_or_default();
    for want in [
        "func (c *FormsClient) Upload(ctx context.Context, form string, form_ UploadForm) (*Upload, error) {",
        "{name: \"document\", accept: \"application/pdf\", file: &form_.Document},",
        "{name: \"thumbnail\", accept: \"image/png\", file: form_.Thumbnail},",
        "{name: \"attachment\", accept: \"*/*\", file: form_.Attachment},",
        "\tThumbnail *FilePart\n",
        "\tTakenAt *time.Time\n",
        "\tKind Kind\n",
        "func (c *FormsClient) Rename(ctx context.Context, id string, form RenameForm) error {",
    ] {
        assert!(client.contains(want), "client.go lacks {want:?}:\n{client}");
    }
    assert!(
        !client.contains("func (r *call) streamBody"),
        "no route streams a bytes body"
    );
    let sdk = support::sdk_dir("forms");
    support::write_sdk(&sdk, &files);
    if let Err(e) = support::check_sdk(&sdk) {
        panic!("{e}");
    }
}
