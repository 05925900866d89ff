//! The page's panels, one module per concept.

pub mod clerk;
pub mod cluster;
pub mod controls;
pub mod event_log;
pub mod help;
pub mod history;
pub mod inspector;
pub mod lesson;
pub mod log;
pub mod session;
pub mod spacetime;
pub mod sweep;
pub mod timeline;

pub use clerk::Clerks;
pub use cluster::Cluster;
pub use controls::{Controls, Faults};
pub use event_log::EventLog;
pub use help::Help;
pub use history::History;
pub use inspector::Inspector;
pub use lesson::LessonCard;
pub use log::Logs;
pub use session::SessionBar;
pub use spacetime::SpaceTime;
pub use sweep::Seeds;
pub use timeline::TimelineBar;

/// Colours for terms 1, 2, 3, …, in turn: readable under white text, and none of them the
/// purple of InstallSnapshot or the green of the Clerks. Their order keeps neighbouring terms
/// apart for visitors with protanopia or deuteranopia too, where red, green and brown meet
/// (the test below simulates both).
const TERM_COLOURS: [&str; 8] =
    ["#3a6ea5", "#c8553d", "#5c677d", "#2d5bb7", "#4f772d", "#2a9d8f", "#b07d12", "#b23a48"];

/// A term's colour, the same everywhere on the page (servers, log entries).
pub fn term_colour(term: u64) -> &'static str {
    match term {
        0 => "#9aa5b1",
        t => TERM_COLOURS[((t - 1) % TERM_COLOURS.len() as u64) as usize],
    }
}

/// The legend's entries for the kinds of message, each with `mark` (the ring's dot, the
/// diagram's stroke) in its kind's colour.
pub fn kind_legend(mark: &str) -> yew::Html {
    const KINDS: [(&str, &str); 5] = [
        ("m-vote", "RequestVote"),
        ("m-append", "AppendEntries"),
        ("m-heartbeat", "heartbeat"),
        ("m-snapshot", "InstallSnapshot"),
        ("m-clerk", "Clerk"),
    ];
    KINDS
        .iter()
        .map(
            |(class, name)| yew::html! { <span class={*class} data-mark={mark.to_string()}>{ *name }</span> },
        )
        .collect()
}

/// A definition list: each field's name, then its value. One loop rather than a pair of tags
/// per field in `html!`, which the bundle pays for per tag.
pub fn fields(class: &'static str, rows: &[(&'static str, String)]) -> yew::Html {
    yew::html! {
        <dl class={class}>
            { for rows.iter().map(|(name, value)| yew::html! { <><dt>{ *name }</dt><dd>{ value.clone() }</dd></> }) }
        </dl>
    }
}

/// Virtual µs as seconds, for reading.
pub fn seconds(t: raft::Time) -> String {
    format!("{:.3} s", t as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::TERM_COLOURS;

    /// sRGB hex to linear RGB.
    fn linear(hex: &str) -> [f64; 3] {
        let channel = |i: usize| {
            let c = u8::from_str_radix(&hex[i..i + 2], 16).unwrap() as f64 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        [channel(1), channel(3), channel(5)]
    }

    /// What a dichromat sees: Machado, Oliveira and Fernandes (2009), severity 1, in linear RGB.
    fn simulate(m: &[[f64; 3]; 3], c: [f64; 3]) -> [f64; 3] {
        let row = |r: &[f64; 3]| (r[0] * c[0] + r[1] * c[1] + r[2] * c[2]).clamp(0.0, 1.0);
        [row(&m[0]), row(&m[1]), row(&m[2])]
    }

    /// CIELAB (D65) of a linear RGB colour.
    fn lab([r, g, b]: [f64; 3]) -> [f64; 3] {
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f64| if t > 0.008856 { t.cbrt() } else { 7.787 * t + 16.0 / 116.0 };
        [116.0 * f(y) - 16.0, 500.0 * (f(x) - f(y)), 200.0 * (f(y) - f(z))]
    }

    fn delta_e(a: [f64; 3], b: [f64; 3]) -> f64 {
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    }

    #[test]
    fn neighbouring_terms_stay_apart_for_colour_blind_visitors() {
        const IDENTITY: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        const PROTANOPIA: [[f64; 3]; 3] = [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ];
        const DEUTERANOPIA: [[f64; 3]; 3] = [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ];
        let n = TERM_COLOURS.len();
        for (vision, m) in
            [("normal", IDENTITY), ("protanopia", PROTANOPIA), ("deuteranopia", DEUTERANOPIA)]
        {
            let seen: Vec<[f64; 3]> =
                TERM_COLOURS.iter().map(|c| lab(simulate(&m, linear(c)))).collect();
            for i in 0..n {
                // Terms t and t+1 (the colours wrap round), then t and t+2. ΔE*ab of 2.3 is
                // just noticeable; these ask for far more, as neighbours sit side by side.
                for (apart, min) in [(1, 30.0), (2, 15.0)] {
                    let j = (i + apart) % n;
                    let d = delta_e(seen[i], seen[j]);
                    assert!(
                        d >= min,
                        "{vision}: {} and {} are ΔE {d:.1} apart",
                        TERM_COLOURS[i],
                        TERM_COLOURS[j]
                    );
                }
            }
            if vision == "normal" {
                for i in 0..n {
                    for j in i + 1..n {
                        assert!(
                            delta_e(seen[i], seen[j]) >= 15.0,
                            "{} ~ {}",
                            TERM_COLOURS[i],
                            TERM_COLOURS[j]
                        );
                    }
                }
            }
        }
    }
}
