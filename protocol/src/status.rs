//! The button status code of the mluvii widget API.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Status of a preset's operator groups, as passed to the status callback.
///
/// On the wire and in JS it is the bare number `0`, `1` or `2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ButtonStatus {
    /// `0`: no operator of the preset's groups is available.
    #[default]
    Offline,
    /// `1`: an available operator has free chat capacity.
    Online,
    /// `2`: operators are available but all are at capacity.
    Busy,
}

impl ButtonStatus {
    /// The numeric code used by the JS API.
    pub fn code(self) -> u8 {
        match self {
            ButtonStatus::Offline => 0,
            ButtonStatus::Online => 1,
            ButtonStatus::Busy => 2,
        }
    }

    /// Parses a numeric code.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(ButtonStatus::Offline),
            1 => Some(ButtonStatus::Online),
            2 => Some(ButtonStatus::Busy),
            _ => None,
        }
    }

    /// Status of a set of operators, each given as `(active_chats, capacity)`
    /// for those who are available (online). Away and offline operators are
    /// not passed at all.
    pub fn of_available<I: IntoIterator<Item = (u32, u32)>>(available: I) -> Self {
        let mut any = false;
        for (active, capacity) in available {
            if active < capacity {
                return ButtonStatus::Online;
            }
            any = true;
        }
        if any {
            ButtonStatus::Busy
        } else {
            ButtonStatus::Offline
        }
    }
}

impl Serialize for ButtonStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

impl<'de> Deserialize<'de> for ButtonStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = u8::deserialize(d)?;
        ButtonStatus::from_code(code)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid button status {code}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_of_operators() {
        assert_eq!(ButtonStatus::of_available([]), ButtonStatus::Offline);
        assert_eq!(ButtonStatus::of_available([(0, 2)]), ButtonStatus::Online);
        assert_eq!(ButtonStatus::of_available([(2, 2)]), ButtonStatus::Busy);
        assert_eq!(
            ButtonStatus::of_available([(2, 2), (1, 3)]),
            ButtonStatus::Online
        );
        assert_eq!(ButtonStatus::of_available([(0, 0)]), ButtonStatus::Busy);
    }
}
