//! "Did you mean": the names closest to a mistyped one.

/// Up to `max` of `names` closest to `wanted` (case-insensitive edit
/// distance, or containing one another), only plausible typos, nearest first.
pub(crate) fn closest<'a>(
    wanted: &str,
    names: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Vec<&'a str> {
    let wanted = wanted.to_ascii_lowercase();
    // One edit for short names (`id` is no typo of `v`), more for long ones.
    let limit = (wanted.len() / 3).max(if wanted.len() <= 3 { 1 } else { 2 });
    let mut scored: Vec<(usize, &str)> = names
        .into_iter()
        .filter_map(|name| {
            let lower = name.to_ascii_lowercase();
            let distance = if lower.contains(&wanted) || wanted.contains(&lower) {
                lower.len().abs_diff(wanted.len()).min(limit)
            } else {
                edit_distance(&wanted, &lower)
            };
            (distance <= limit).then_some((distance, name))
        })
        .collect();
    scored.sort_unstable();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(max).map(|(_, name)| name).collect()
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// ", did you mean A, B?" or nothing.
pub(crate) fn hint(near: &[&str]) -> String {
    if near.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", near.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_name() {
        let ops = ["ContainerList", "ContainerLogs", "ImageList", "SystemPing"];
        assert_eq!(closest("ContainerLsit", ops, 3)[0], "ContainerList");
        assert_eq!(closest("containerlogs", ops, 3)[0], "ContainerLogs");
        assert!(!closest("ContainerLsit", ops, 3).contains(&"SystemPing"));
        assert!(closest("Zzz", ops, 3).is_empty());
        assert_eq!(hint(&["A", "B"]), "; did you mean A, B?");
    }
}
