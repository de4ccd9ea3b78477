//! supervisord and systemd readers never panic, whatever the bytes.

use parity::sources::{supervisord, systemd};
use parity::span::FileId;

#[test]
fn supervisord_and_systemd_never_panic_on_generated_input() {
    let pieces = [
        "[program:x]",
        "[Service]",
        "command=",
        "ExecStart=",
        "environment=",
        "Environment=",
        "A=\"",
        "'",
        "\"",
        ",",
        "=",
        ";",
        " ;",
        "#",
        "\n",
        "\r\n",
        "  ",
        "é",
        "€",
        "directory=",
        "stopwaitsecs=",
        "x",
        "[",
        "]",
        "gunicorn -t 5",
        "-@+",
        "\t",
        "B='q',",
        "=\"\"",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..20_000 {
        let mut s = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let n = (seed % 24) as usize;
        for k in 0..n {
            let r = seed.rotate_left(u32::try_from(k * 5).unwrap_or(0));
            s.push_str(pieces[(r % pieces.len() as u64) as usize]);
        }
        let (programs, _) = supervisord::parse(FileId(0), &s);
        for p in &programs {
            for (_, t) in &p.environment {
                assert!(t.span.end as usize <= s.len());
            }
        }
        let (svc, _) = systemd::parse(FileId(0), &s);
        for t in &svc.exec_start {
            assert!(t.span.end as usize <= s.len());
        }
    }
}
