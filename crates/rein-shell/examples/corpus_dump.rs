//! Throwaway: prints the effects of every Bash case in the rein corpus (tiny hand-rolled reader).
//! Usage: cargo run --example corpus_dump [-- PATH] | less
fn unquote(v: &str) -> String {
    let v = v.trim();
    let inner = v.strip_prefix('"').and_then(|s| s.strip_suffix('"'));
    match inner {
        Some(s) => {
            let mut out = String::new();
            let mut it = s.chars();
            while let Some(c) = it.next() {
                if c != '\\' {
                    out.push(c);
                    continue;
                }
                match it.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(o) => out.push(o),
                    None => {}
                }
            }
            out
        }
        None => v.trim_matches('\'').to_string(),
    }
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/work/scratch/corpus/rein-cases.toml".into());
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let ctx = rein_shell::Context {
        cwd: "/home/dev/project".into(),
        home: "/home/dev".into(),
    };
    let limits = rein_shell::Limits::default();
    let (mut id, mut cmd, mut expect) = (String::new(), None::<String>, String::new());
    let flush = |id: &str, cmd: Option<String>, expect: &str| {
        let Some(cmd) = cmd else { return };
        let a = rein_shell::analyze(&cmd, &ctx, &limits);
        println!("== [{expect}] {id}: {cmd:?}");
        for e in &a.effects {
            if !matches!(e.kind, rein_shell::EffectKind::Exec { .. }) {
                println!("    {:?}", e.kind);
            }
        }
        for u in &a.unresolved {
            println!("    UNRESOLVED {:?}: {}", u.kind, u.reason);
        }
    };
    for line in text.lines() {
        if line.starts_with("[[case]]") {
            flush(&id, cmd.take(), &expect);
            id.clear();
            expect.clear();
        } else if let Some((k, v)) = line.split_once('=') {
            match k.trim() {
                "id" => id = unquote(v),
                "command" => cmd = Some(unquote(v)),
                "expect" => expect = unquote(v),
                "tool" => cmd = None,
                _ => {}
            }
        }
    }
    flush(&id, cmd.take(), &expect);
}
