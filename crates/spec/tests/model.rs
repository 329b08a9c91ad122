//! The model of the bundled versions: categories, lookups, versions,
//! quirks of the upstream files. Needs both engines bundled (the default).
#![cfg(all(feature = "docker", feature = "podman"))]

use std::sync::Arc;

use contajners_spec::{
    best_match, engines, load, versions, Engine, ErrorKind, Location, Method, ParamType,
};

#[test]
fn docker_v1_41_categories_are_the_first_path_segments() {
    let spec = load(Engine::Docker, "v1.41").expect("bundled");
    let names: Vec<&str> = spec.categories().map(|c| c.name()).collect();
    assert_eq!(names.len(), 22, "{names:?}");
    assert!(
        names.contains(&"_ping") && names.contains(&"session"),
        "{names:?}"
    );
    // Each category is exactly the first segment of its operations' paths.
    let mut firsts: Vec<&str> = spec
        .operations()
        .map(|op| {
            op.path()
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("")
        })
        .collect();
    firsts.sort_unstable();
    firsts.dedup();
    assert_eq!(names, firsts);
    for cat in spec.categories() {
        for op in cat.operations() {
            assert_eq!(op.category(), cat.name());
        }
    }
}

#[test]
fn podman_v3_2_3_libpod_images_has_its_18_operations() {
    let spec = load(Engine::Podman, "v3.2.3").expect("bundled");
    let images = spec.category("libpod/images").expect("category");
    let mut ids: Vec<&str> = images.operations().map(|op| op.id()).collect();
    ids.sort_unstable();
    // The list from the seed (contajners' README for podman v3.2.3).
    let mut expected = vec![
        "ImageDeleteLibpod",
        "ImagePushLibpod",
        "ImageExportLibpod",
        "ImageHistoryLibpod",
        "ImageDeleteAllLibpod",
        "ImageInspectLibpod",
        "ImageGetLibpod",
        "ImageUntagLibpod",
        "ImageTagLibpod",
        "ImageChangesLibpod",
        "ImageListLibpod",
        "ImageLoadLibpod",
        "ImageTreeLibpod",
        "ImagePruneLibpod",
        "ImageSearchLibpod",
        "ImageImportLibpod",
        "ImageExistsLibpod",
        "ImagePullLibpod",
    ];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    // The compat side keeps the plain category.
    assert!(spec
        .category("images")
        .is_some_and(|c| c.operations().all(|op| !op.id().ends_with("Libpod"))));
}

#[test]
fn versions_are_ascending_and_numeric() {
    for &engine in engines() {
        let v = versions(engine);
        assert!(!v.is_empty());
        for pair in v.windows(2) {
            assert!(
                contajners_spec::compare_versions(pair[0], pair[1]).is_lt(),
                "{pair:?}"
            );
        }
    }
    let docker = versions(Engine::Docker);
    assert_eq!(
        (docker.first().copied(), docker.last().copied()),
        (Some("v1.25"), Some("v1.56"))
    );
    let podman = versions(Engine::Podman);
    let i = podman.iter().position(|v| *v == "v4.9.5").expect("bundled");
    assert_eq!(podman[i + 1], "v5.0.0");
}

#[test]
fn load_accepts_both_spellings_and_caches() {
    let a = load(Engine::Docker, "1.41").expect("bundled");
    let b = load(Engine::Docker, "v1.41").expect("bundled");
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(a.version(), "v1.41");
    assert_eq!(a.engine(), Engine::Docker);
}

#[test]
fn unknown_version_lists_what_exists_and_the_nearest() {
    let err = load(Engine::Podman, "4.3.7").expect_err("not bundled");
    let text = err.to_string();
    assert!(text.contains("nearest: v4.3.1"), "{text}");
    assert!(text.contains("v3.0.0") && text.contains("v5.8.2"), "{text}");
    match err.kind() {
        ErrorKind::UnknownVersion {
            available, nearest, ..
        } => {
            assert_eq!(available.len(), versions(Engine::Podman).len());
            assert_eq!(nearest.as_deref(), Some("v4.3.1"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let err = "moby".parse::<Engine>().expect_err("unknown engine");
    assert!(err.to_string().contains("docker"), "{err}");
}

#[test]
fn best_match_is_the_highest_not_above_the_server() {
    assert_eq!(
        best_match(Engine::Docker, "1.43").expect("fits").version(),
        "v1.43"
    );
    assert_eq!(
        best_match(Engine::Docker, "1.99").expect("fits").version(),
        "v1.56"
    );
    assert_eq!(
        best_match(Engine::Podman, "4.10.0")
            .expect("fits")
            .version(),
        "v4.9.5"
    );
    assert_eq!(
        best_match(Engine::Podman, "v5.0.0-dev")
            .expect("fits")
            .version(),
        "v5.0.0"
    );
    let err = best_match(Engine::Docker, "1.24").expect_err("too old");
    assert!(err.to_string().contains("v1.25"), "{err}");
    assert!(best_match(Engine::Docker, "latest").is_err());
}

#[test]
fn hijacking_operations_are_derived_from_the_spec() {
    let mut hijacking = std::collections::BTreeSet::new();
    for &engine in engines() {
        for version in versions(engine) {
            let spec = load(engine, version).expect("bundled");
            for op in spec.operations().filter(|op| op.hijacks()) {
                assert_eq!(op.method(), Method::Post, "{engine} {version} {}", op.id());
                hijacking.insert((engine, op.id().to_owned()));
            }
        }
    }
    let expected: std::collections::BTreeSet<(Engine, String)> = [
        (Engine::Docker, "ContainerAttach"),
        (Engine::Docker, "ExecStart"),
        (Engine::Docker, "Session"),
        (Engine::Podman, "ContainerAttach"),
        (Engine::Podman, "ContainerAttachLibpod"),
        (Engine::Podman, "ExecStart"),
        (Engine::Podman, "ExecStartLibpod"),
    ]
    .into_iter()
    .map(|(e, id)| (e, id.to_owned()))
    .collect();
    assert_eq!(hijacking, expected);
}

#[test]
fn podman_old_ids_map_to_today_and_stay_findable() {
    for version in ["v3.0.0", "v3.0.2", "v3.1.0"] {
        let spec = load(Engine::Podman, version).expect("bundled");
        let op = spec.operation("ImageDeleteLibpod").expect("mapped id");
        assert_eq!(op.path(), "/libpod/images/{name}", "{version}");
        assert!(op.param("name", Location::Path).is_some(), "{version}");
        assert_eq!(op.original_id(), Some("libpodRemoveImage"));
        let by_alias = spec.operation("libpodRemoveImage").expect("alias");
        assert!(std::ptr::eq(op, by_alias));
        assert!(
            op.doc_url().ends_with("/operation/libpodRemoveImage"),
            "{}",
            op.doc_url()
        );
        assert!(
            spec.operations().all(|op| !op.path().contains(':')),
            "{version}"
        );
    }
    // v3.0.0's one operation that v3.1.1 no longer has keeps its id.
    let v300 = load(Engine::Podman, "v3.0.0").expect("bundled");
    assert_eq!(
        v300.operation("libpodPutArchive")
            .map(|op| op.original_id()),
        Some(None)
    );
}

#[test]
fn params_are_keyed_by_name_and_location() {
    let spec = load(Engine::Podman, "v4.3.1").expect("bundled");
    let op = spec.operation("ContainerRename").expect("exists");
    let path = op.param("name", Location::Path).expect("path name");
    let query = op.param("name", Location::Query).expect("query name");
    assert!(path.required());
    assert_ne!(path.description(), query.description());
}

#[test]
fn form_data_and_file_params_are_kept() {
    let spec = load(Engine::Podman, "v3.0.0").expect("bundled");
    let op = spec
        .operation("libpodImagesLoad")
        .expect("alias of the load op");
    let upload = op
        .param("upload", Location::FormData)
        .expect("formData param");
    assert_eq!(upload.kind(), &ParamType::File);
    assert!(upload.required());
}

#[test]
fn response_codes_and_refs_resolve() {
    let docker = load(Engine::Docker, "v1.41").expect("bundled");
    let create = docker.operation("ContainerCreate").expect("exists");
    let codes: Vec<Option<u16>> = create.responses().iter().map(|r| r.code()).collect();
    assert_eq!(
        codes,
        [Some(201), Some(400), Some(404), Some(409), Some(500)]
    );
    let podman = load(Engine::Podman, "v4.3.1").expect("bundled");
    let delete = podman.operation("ContainerDeleteLibpod").expect("exists");
    let not_found = delete
        .responses()
        .iter()
        .find(|r| r.code() == Some(404))
        .expect("404");
    assert_eq!(not_found.description(), "No such container");
}

#[test]
fn array_params_carry_item_type_and_collection_format() {
    let spec = load(Engine::Podman, "v3.0.0").expect("bundled");
    let op = spec.operation("libpodImagesImport").expect("alias");
    let changes = op.param("changes", Location::Query).expect("exists");
    assert_eq!(
        changes.kind(),
        &ParamType::Array(Box::new(ParamType::String))
    );
}

#[test]
fn content_types_and_doc_urls() {
    let spec = load(Engine::Docker, "v1.41").expect("bundled");
    let build = spec.operation("ImageBuild").expect("exists");
    assert_eq!(build.consumes(), ["application/octet-stream"]);
    assert_eq!(
        build.doc_url(),
        "https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Image/operation/ImageBuild"
    );
    let podman = load(Engine::Podman, "v4.3.1").expect("bundled");
    let list = podman.operation("ContainerListLibpod").expect("exists");
    assert_eq!(
        list.doc_url(),
        "https://docs.podman.io/en/v4.3.1/_static/api.html#tag/containers/operation/ContainerListLibpod"
    );
    let compat = podman.operation("ContainerList").expect("exists");
    assert!(
        compat.doc_url().contains("#tag/containers-(compat)/"),
        "{}",
        compat.doc_url()
    );
}
