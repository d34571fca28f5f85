//! `cargo run --release -p owidget-phone --example timing`: time per normalization of numbers
//! of 12 countries alternating (default country CZ), natively, as the server runs it: three
//! rounds, the first of which also compiles the metadata patterns (see `src/db.rs`).

use std::time::Instant;

const TWELVE: [&str; 12] = [
    "+49 1512 3456789",
    "+44 7400 123456",
    "+1 201-555-0123",
    "+33 6 12 34 56 78",
    "+81 90-1234-5678",
    "+61 412 345 678",
    "+91 81234 56789",
    "+55 11 96123-4567",
    "+39 312 345 6789",
    "+34 612 34 56 78",
    "+421 912 123 456",
    "+7 912 345-67-89",
];

fn main() {
    for round in 1..=3 {
        let start = Instant::now();
        let mut valid = 0;
        for n in TWELVE {
            valid += usize::from(owidget_phone::normalize(n, "CZ").is_ok());
        }
        let us = start.elapsed().as_secs_f64() * 1e6 / TWELVE.len() as f64;
        println!("round {round}: {us:.1} µs per number ({valid} of 12 valid)");
    }
}
