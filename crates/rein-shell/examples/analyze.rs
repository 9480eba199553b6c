//! Prints the analysis of each argument, with its timing.
use std::time::Instant;

fn main() {
    let ctx = rein_shell::Context {
        cwd: "/home/dev/project".into(),
        home: "/home/dev".into(),
    };
    let limits = rein_shell::Limits::default();
    for cmd in std::env::args().skip(1) {
        let t = Instant::now();
        let a = rein_shell::analyze(&cmd, &ctx, &limits);
        let el = t.elapsed();
        println!("== {cmd:?} ({el:?})");
        for e in &a.effects {
            println!("  {:?}  via={:?}", e.kind, e.via);
        }
        for u in &a.unresolved {
            println!("  UNRESOLVED {:?}: {}", u.kind, u.reason);
        }
    }
}
