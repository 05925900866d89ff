//! Permalinks: a scenario — with the actions a visitor recorded — and a moment in its run, as
//! a string for a URL fragment. Opening it replays the run to that moment exactly.
//!
//! The string is `1.` (the format version) followed by the URL-safe base64 of the zlib-deflated
//! JSON of a [`Link`]. zlib's Adler-32 checksum rejects a corrupted link; one that still decodes
//! after tampering is held to the same checks as a scenario file. The JSON is the scenario
//! file's own format, so a link and a saved file are one thing in two shapes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use miniz_oxide::deflate::compress_to_vec_zlib;
use miniz_oxide::inflate::decompress_to_vec_zlib_with_limit;
use raft::Time;
use serde::{Deserialize, Serialize};

use super::{ScenarioError, ScenarioFile};

/// The format version written in front of every link.
const VERSION: &str = "1.";
/// The longest link accepted, in characters.
pub const MAX_LINK_CHARS: usize = 64 * 1024;
/// The most JSON a link may inflate to, in bytes: no link can make the page allocate more.
const MAX_JSON_BYTES: usize = 1024 * 1024;
/// zlib's best compression: links are made by a click, not in a loop.
const LEVEL: u8 = 9;

/// What a permalink holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The scenario, its seed, and every recorded action.
    pub scenario: ScenarioFile,
    /// The moment to open at, in virtual µs.
    pub at_us: Time,
}

/// The permalink text of `link`.
pub fn encode_link(link: &Link) -> String {
    // Indented as saved files are: one JSON writer in the page's bundle, not two (deflate
    // takes most of the indentation back; a link is about 6 % longer for it).
    let json = serde_json::to_vec_pretty(link).expect("a link serialises");
    format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(compress_to_vec_zlib(&json, LEVEL)))
}

/// Reads a permalink; every way it can be wrong gives an error that says what is wrong.
pub fn decode_link(text: &str) -> Result<Link, ScenarioError> {
    let err = |m: &str| ScenarioError(format!("this link is damaged: {m}"));
    if text.len() > MAX_LINK_CHARS {
        return Err(err("it is too long"));
    }
    let body = text.strip_prefix(VERSION).ok_or_else(|| err("it has no known version"))?;
    let packed = URL_SAFE_NO_PAD.decode(body).map_err(|_| err("it is not valid base64"))?;
    let json = decompress_to_vec_zlib_with_limit(&packed, MAX_JSON_BYTES)
        .map_err(|_| err("it does not decompress (cut short or altered?)"))?;
    // Read as text, as scenario files are: one JSON reader in the page's bundle, not two.
    let json = std::str::from_utf8(&json).map_err(|_| err("it is not UTF-8 text"))?;
    let link: Link = serde_json::from_str(json)
        .map_err(|e| ScenarioError(format!("this link's scenario is invalid: {e}")))?;
    link.scenario
        .validate()
        .map_err(|e| ScenarioError(format!("this link's scenario is invalid: {e}")))?;
    Ok(link)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Action, TimedAction};

    fn session() -> Link {
        let mut scenario = ScenarioFile::from_toml(
            "name = \"playground\"\nservers = 5\nseed = 7\nduration_ms = 120000\nclerks = 1\n",
        )
        .unwrap();
        for i in 0..10u64 {
            scenario.actions.push(TimedAction::new(
                i * 12_345_678,
                Action::Put { client: 0, key: format!("k{i}"), value: "v".into() },
            ));
            scenario.actions.push(TimedAction::new(i * 12_345_679, Action::Crash { server: 2 }));
        }
        Link { scenario, at_us: 119_000_123 }
    }

    #[test]
    fn a_link_round_trips() {
        let link = session();
        let text = encode_link(&link);
        assert!(text.starts_with("1."));
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)), "{text}");
        assert_eq!(decode_link(&text).unwrap(), link);
    }

    #[test]
    fn damaged_links_are_refused_with_a_reason() {
        let text = encode_link(&session());
        let cases = [
            (String::new(), "no known version"),
            (format!("2.{}", &text[2..]), "no known version"),
            (format!("{text}!"), "base64"),
            // Cut after whole base64 groups: valid base64 of a cut-short stream.
            (text[..2 + (text.len() - 2) / 8 * 4].to_string(), "decompress"),
            ("1.".to_string() + &"A".repeat(MAX_LINK_CHARS), "too long"),
        ];
        for (bad, why) in cases {
            let e = decode_link(&bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad:.40}: {e}");
        }
        // Every single-character change is refused or decodes to a valid scenario.
        for i in 2..text.len() {
            let mut bytes = text.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            if let Ok(link) = decode_link(std::str::from_utf8(&bytes).unwrap()) {
                link.scenario.validate().unwrap();
            }
        }
    }

    #[test]
    fn a_tampered_scenario_is_held_to_the_file_checks() {
        let mut link = session();
        link.scenario.actions.push(TimedAction::new(5, Action::Crash { server: 9 }));
        let text = encode_link(&link);
        let e = decode_link(&text).unwrap_err().to_string();
        assert!(e.contains("server 9 does not exist"), "{e}");
        let json = br#"{"scenario": 3, "at_us": 0}"#;
        let text = format!("1.{}", URL_SAFE_NO_PAD.encode(compress_to_vec_zlib(json, 6)));
        assert!(decode_link(&text).unwrap_err().to_string().contains("invalid"));
    }

    #[test]
    fn a_link_cannot_inflate_without_bound() {
        let bomb = vec![b' '; 4 * MAX_JSON_BYTES];
        let text = format!("1.{}", URL_SAFE_NO_PAD.encode(compress_to_vec_zlib(&bomb, 9)));
        assert!(text.len() < MAX_LINK_CHARS);
        assert!(decode_link(&text).unwrap_err().to_string().contains("decompress"));
    }
}
