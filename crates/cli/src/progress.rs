//! Per-layer progress bars for the JSON progress of pull, push, build and
//! load, on a terminal.

use std::collections::HashMap;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::Value;

/// The bars of one progress stream, keyed by layer id.
pub(crate) struct Progress {
    multi: MultiProgress,
    bars: HashMap<String, ProgressBar>,
    sized: ProgressStyle,
    spinner: ProgressStyle,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("layers", &self.bars.len())
            .finish_non_exhaustive()
    }
}

/// The statuses after which a layer has nothing more to do.
const DONE: [&str; 6] = [
    "Pull complete",
    "Already exists",
    "Pushed",
    "Layer already exists",
    "Mounted from",
    "Loaded",
];

impl Progress {
    pub(crate) fn new() -> Self {
        let sized = ProgressStyle::with_template(
            "{prefix:.bold} {msg:<16} [{bar:30.cyan/blue}] {bytes}/{total_bytes}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let spinner = ProgressStyle::with_template("{prefix:.bold} {spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        Progress {
            multi: MultiProgress::new(),
            bars: HashMap::new(),
            sized,
            spinner,
        }
    }

    /// Draws one progress message.
    pub(crate) fn show(&mut self, value: &Value) {
        let text = |key: &str| value.get(key).and_then(Value::as_str);
        let (Some(id), Some(status)) = (text("id"), text("status")) else {
            // Messages of no layer: status lines, build output, the rest as JSON.
            let line = match (text("status"), text("stream")) {
                (Some(status), _) => status.to_string(),
                (None, Some(stream)) => stream.trim_end().to_string(),
                _ => value.to_string(),
            };
            if !line.is_empty() {
                let _ = self.multi.println(line);
            }
            return;
        };
        // Docker names the tag or repository, not a layer, in these.
        if ["Pulling from", "The push refers to"]
            .iter()
            .any(|p| status.starts_with(p))
        {
            let _ = self.multi.println(format!("{id}: {status}"));
            return;
        }
        let bar = self.bars.entry(id.to_string()).or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::new_spinner());
            bar.set_style(self.spinner.clone());
            bar.set_prefix(id.chars().take(12).collect::<String>());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        let detail = value.get("progressDetail");
        let number = |key: &str| detail.and_then(|d| d.get(key)).and_then(Value::as_u64);
        if let (Some(current), Some(total)) = (number("current"), number("total")) {
            if total > 0 {
                if bar.length() != Some(total) {
                    bar.set_style(self.sized.clone());
                    bar.set_length(total);
                }
                bar.set_position(current.min(total));
            }
        }
        bar.set_message(status.to_string());
        if DONE.iter().any(|done| status.starts_with(done)) {
            bar.finish_with_message(status.to_string());
        }
    }

    /// Leaves every bar as it is (the stream ended with an error).
    pub(crate) fn abandon(&mut self) {
        for bar in self.bars.values() {
            bar.abandon();
        }
    }

    /// Ends every bar that is still running.
    pub(crate) fn finish(&mut self) {
        for bar in self.bars.values() {
            if !bar.is_finished() {
                bar.finish();
            }
        }
    }
}
