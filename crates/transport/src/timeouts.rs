//! [`Timeouts`]: the four optional limits of a transport, as one value.

use std::time::Duration;

/// The optional limits on a [`Transport`](crate::Transport)'s work; none by
/// default. Handed whole to
/// [`TransportBuilder::timeouts`](crate::TransportBuilder::timeouts), so a
/// layer above (a client builder, a command's flags) can collect them and
/// pass them on in one step.
///
/// Each setter takes a [`Duration`] or an `Option<Duration>`; `None` leaves
/// that limit off.
///
/// ```
/// use std::time::Duration;
/// use contajners_transport::Timeouts;
///
/// let from_flag: Option<Duration> = None;
/// let timeouts = Timeouts::new()
///     .connect(Duration::from_secs(3))
///     .read(from_flag);
/// assert_eq!(timeouts.connect, Some(Duration::from_secs(3)));
/// assert_eq!(timeouts.read, None);
/// assert_eq!(Timeouts::default(), Timeouts::new());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct Timeouts {
    /// Limit on connecting, TLS handshake included.
    pub connect: Option<Duration>,
    /// Limit on waiting for the next byte: for the response head (counted
    /// from when the request body has been handed over) and between body
    /// chunks, in data and stream modes.
    pub read: Option<Duration>,
    /// Limit on a write to the socket making no progress.
    pub write: Option<Duration>,
    /// Limit on the whole exchange in data mode, and on the wait for the
    /// response head in stream and socket modes.
    pub call: Option<Duration>,
}

impl Timeouts {
    /// No limits at all (the same as `Timeouts::default()`).
    ///
    /// ```
    /// assert_eq!(contajners_transport::Timeouts::new().call, None);
    /// ```
    pub fn new() -> Self {
        Timeouts::default()
    }

    /// Sets (or, with `None`, clears) the limit on connecting.
    ///
    /// ```
    /// let t = contajners_transport::Timeouts::new().connect(std::time::Duration::from_millis(500));
    /// ```
    pub fn connect(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.connect = limit.into();
        self
    }

    /// Sets (or, with `None`, clears) the limit on waiting for the next byte.
    ///
    /// ```
    /// let t = contajners_transport::Timeouts::new().read(std::time::Duration::from_secs(30));
    /// ```
    pub fn read(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.read = limit.into();
        self
    }

    /// Sets (or, with `None`, clears) the limit on a stalled write.
    ///
    /// ```
    /// let t = contajners_transport::Timeouts::new().write(std::time::Duration::from_secs(30));
    /// ```
    pub fn write(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.write = limit.into();
        self
    }

    /// Sets (or, with `None`, clears) the limit on the whole call.
    ///
    /// ```
    /// let t = contajners_transport::Timeouts::new().call(std::time::Duration::from_secs(60));
    /// ```
    pub fn call(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.call = limit.into();
        self
    }

    /// These limits, with each one `other` sets taking the place of this
    /// one's; the limits `other` leaves unset stay as they are.
    ///
    /// ```
    /// use std::time::Duration;
    /// use contajners_transport::Timeouts;
    ///
    /// let base = Timeouts::new().connect(Duration::from_secs(1)).call(Duration::from_secs(9));
    /// let both = base.overlaid(Timeouts::new().call(Duration::from_secs(5)));
    /// assert_eq!(both.connect, Some(Duration::from_secs(1)));
    /// assert_eq!(both.call, Some(Duration::from_secs(5)));
    /// ```
    pub fn overlaid(self, other: Timeouts) -> Self {
        Timeouts {
            connect: other.connect.or(self.connect),
            read: other.read.or(self.read),
            write: other.write.or(self.write),
            call: other.call.or(self.call),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Timeouts;

    const ONE: Duration = Duration::from_secs(1);
    const TWO: Duration = Duration::from_secs(2);

    #[test]
    fn setters_set_and_clear_only_their_own_limit() {
        let t = Timeouts::new().connect(ONE).read(TWO).write(ONE).call(TWO);
        assert_eq!(
            (t.connect, t.read, t.write, t.call),
            (Some(ONE), Some(TWO), Some(ONE), Some(TWO))
        );
        let cleared = t.read(None);
        assert_eq!(
            (cleared.connect, cleared.read, cleared.write, cleared.call),
            (Some(ONE), None, Some(ONE), Some(TWO))
        );
    }

    #[test]
    fn overlaid_keeps_what_the_other_leaves_unset() {
        let base = Timeouts::new().connect(ONE).read(ONE);
        let top = Timeouts::new().read(TWO).write(TWO);
        let both = base.overlaid(top);
        assert_eq!(
            (both.connect, both.read, both.write, both.call),
            (Some(ONE), Some(TWO), Some(TWO), None)
        );
        assert_eq!(base.overlaid(Timeouts::default()), base);
    }
}
