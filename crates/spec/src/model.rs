//! The spec model: a [`Spec`] holds [`Category`]s, which hold
//! [`Operation`]s, which hold [`Param`]s.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::Engine;

mod operation;
mod param;

pub use operation::{Operation, RequestBody, ResponseCode};
pub use param::Param;

/// Text of the model: borrowed from the bundled data (no allocation on
/// load) or owned (parsed from a user's file).
pub(crate) type Text = Cow<'static, str>;

/// One API version of one engine: its categories and operations.
///
/// Get one with [`load`](crate::load) (bundled versions),
/// [`Spec::from_swagger`] or [`Spec::from_file`].
///
/// ```
/// use contajners_spec::{load, Engine};
/// let spec = load(Engine::Docker, "1.41")?;
/// assert_eq!(spec.version(), "v1.41");
/// let op = spec.operation("ContainerList").expect("ContainerList exists");
/// assert_eq!(op.path(), "/containers/json");
/// # Ok::<(), contajners_spec::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Spec {
    pub(crate) engine: Engine,
    pub(crate) version: Text,
    /// Sorted by name; operations inside each sorted by id.
    pub(crate) categories: Vec<Category>,
    /// Operation id (and every alias) → (category index, operation index).
    pub(crate) index: HashMap<Text, (u32, u32)>,
}

impl PartialEq for Spec {
    /// Two specs are equal when engine, version and every operation are:
    /// the lookup index is derived data.
    fn eq(&self, other: &Self) -> bool {
        self.engine == other.engine
            && self.version == other.version
            && self.categories == other.categories
    }
}

impl Spec {
    /// Builds a spec from operations in any order: groups them into
    /// categories (sorted by name, operations sorted by id) and indexes ids
    /// and aliases.
    ///
    /// ```
    /// use contajners_spec::{Engine, Method, Operation, Spec};
    /// let op = Operation::new("SystemPing", Method::Get, "/_ping");
    /// let spec = Spec::new(Engine::Docker, "1.41", vec![op]);
    /// assert_eq!(spec.version(), "v1.41");
    /// assert_eq!(spec.category("_ping").map(|c| c.name()), Some("_ping"));
    /// ```
    pub fn new(engine: Engine, version: &str, operations: Vec<Operation>) -> Spec {
        Spec::build(
            engine,
            Cow::Owned(crate::version::canonical(version)),
            operations,
        )
    }

    /// [`Spec::new`] for a version already in canonical form.
    pub(crate) fn build(engine: Engine, version: Text, operations: Vec<Operation>) -> Spec {
        let mut ops = operations;
        for op in &mut ops {
            op.engine = engine;
            op.version = version.clone();
        }
        // Bundled operations arrive sorted already; then this is one pass.
        ops.sort_by(|a, b| (a.category(), &*a.id).cmp(&(b.category(), &*b.id)));
        let mut categories: Vec<Category> = Vec::new();
        for op in ops {
            match categories.last_mut() {
                Some(cat) if *cat.name == *op.category() => cat.operations.push(op),
                _ => categories.push(Category {
                    name: op.category_text(),
                    operations: vec![op],
                }),
            }
        }
        let mut index = HashMap::with_capacity(categories.iter().map(|c| c.operations.len()).sum());
        for (ci, cat) in categories.iter().enumerate() {
            for (oi, op) in cat.operations.iter().enumerate() {
                let at = (ci as u32, oi as u32);
                index.insert(op.id.clone(), at);
                if let Some(original) = &op.original_id {
                    index.entry(original.clone()).or_insert(at);
                }
            }
        }
        Spec {
            engine,
            version,
            categories,
            index,
        }
    }

    /// The engine this spec describes.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Podman, "4.3.1")?;
    /// assert_eq!(spec.engine(), contajners_spec::Engine::Podman);
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The version, always with a leading `v`: `"v1.41"`, `"v4.3.1"`.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Podman, "4.3.1")?;
    /// assert_eq!(spec.version(), "v4.3.1");
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The categories, sorted by name.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert!(spec.categories().any(|c| c.name() == "containers"));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn categories(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter()
    }

    /// One category by name: `"containers"`, `"libpod/containers"`, `"_ping"`.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Podman, "v4.3.1")?;
    /// let images = spec.category("libpod/images").expect("exists");
    /// assert!(images.operations().any(|op| op.id() == "ImageListLibpod"));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn category(&self, name: &str) -> Option<&Category> {
        self.categories
            .binary_search_by(|c| (*c.name).cmp(name))
            .ok()
            .map(|i| &self.categories[i])
    }

    /// Every operation, by category then id.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert_eq!(spec.operations().count(), 106);
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.categories.iter().flat_map(|c| c.operations.iter())
    }

    /// One operation by id (a hash lookup). Also finds an operation by the
    /// id it had upstream when that differs (podman v3.0.x/v3.1.0's
    /// `libpodRemoveImage` finds `ImageDeleteLibpod`).
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// let op = spec.operation("ContainerInspect").expect("exists");
    /// assert_eq!(op.path(), "/containers/{id}/json");
    /// assert!(spec.operation("NoSuchOp").is_none());
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        let &(ci, oi) = self.index.get(id)?;
        self.categories
            .get(ci as usize)?
            .operations
            .get(oi as usize)
    }

    /// The number of operations.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert_eq!(spec.len(), spec.operations().count());
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.categories.iter().map(|c| c.operations.len()).sum()
    }

    /// Whether the spec has no operation at all.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert!(!spec.is_empty());
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
    }
}

/// A group of operations: the first segment of their paths
/// (`containers`), namespaced for podman's libpod API (`libpod/containers`).
///
/// ```
/// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
/// let ping = spec.category("_ping").expect("exists");
/// let ids: Vec<&str> = ping.operations().map(|op| op.id()).collect();
/// assert_eq!(ids, ["SystemPing", "SystemPingHead"]);
/// # Ok::<(), contajners_spec::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub(crate) name: Text,
    pub(crate) operations: Vec<Operation>,
}

impl Category {
    /// The name: `containers`, `_ping`, `libpod/images`, …
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert_eq!(spec.categories().next().map(|c| c.name()), Some("_ping"));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its operations, sorted by id.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// let auth = spec.category("auth").expect("exists");
    /// assert_eq!(auth.operations().map(|op| op.id()).collect::<Vec<_>>(), ["SystemAuth"]);
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.operations.iter()
    }
}
