//! Store size after 1,000 Edit steps on one 100 KB source file, each rewriting three lines (so
//! every version is distinct), driven through the hook as Claude Code would. The baseline is the
//! distinct content itself: the sum over distinct versions of each version compressed alone with
//! zstd level 3 (what rein's blob store does per version).
//!
//! The store is measured as the hooks left it and again after `PRAGMA wal_checkpoint(TRUNCATE)`
//! (the target uses the latter), with a breakdown by table to show where the bytes go.
//!
//! Target: store ≤ 5× the compressed distinct content.
//!
//! Knobs: `REIN_BENCH_STEPS` (default 1000), `REIN_BENCH_FILE_KB` (default 100),
//! `REIN_BENCH_PAYLOAD=minimal` (Edit responses without Claude Code's `originalFile`, to see
//! what the payload copies cost), `REIN_BENCH_QUICK=1` (100 steps).

mod common;

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::io::Write as _;

use common::{Bench, Rng, die, join_lines, mib, ms, source_file_of_size, target};

const RATIO_TARGET: f64 = 5.0;
const FILE: &str = "src/big.rs";

fn main() {
    common::header(
        "store_size",
        "store size after many Edit steps on one 100 KB file",
    );
    let steps = common::knob("REIN_BENCH_STEPS", 1000, 100);
    let kb = common::knob("REIN_BENCH_FILE_KB", 100, 100);
    let minimal = std::env::var("REIN_BENCH_PAYLOAD").is_ok_and(|v| v == "minimal");
    println!(
        "   payloads: {}",
        if minimal {
            "minimal (Edit responses without originalFile)"
        } else {
            "as Claude Code sends them (Edit responses carry the whole originalFile)"
        }
    );

    let bench = Bench::new();
    let mut rng = Rng::new(42);
    let mut lines = source_file_of_size(&mut rng, kb * 1024);
    let first = join_lines(&lines);
    bench.write(FILE, first.as_bytes());
    bench.write("README.md", b"# bench\n");
    bench.start_session();

    let mut distinct = Distinct::default();
    distinct.add(first.as_bytes());
    let t = std::time::Instant::now();
    let (mut pre, mut post) = (Vec::new(), Vec::new());
    for _ in 0..steps {
        let step = common::edit_step(&bench, FILE, &mut lines, &mut rng, 3, !minimal);
        pre.push(step.pre);
        post.push(step.post);
        distinct.add(join_lines(&lines).as_bytes());
    }
    let hook_p50 = |v: Vec<_>| ms(common::Samples::new(v).median());
    println!(
        "   {steps} Edit steps ({} hook runs) in {:.1}s; hook p50: Pre {:.2} ms, Post {:.2} ms",
        2 * steps,
        t.elapsed().as_secs_f64(),
        hook_p50(pre),
        hook_p50(post)
    );
    let (versions, baseline, together) = distinct.finish();
    println!(
        "   file: {:.1} KiB, {} distinct versions",
        first.len() as f64 / 1024.0,
        versions
    );

    // The store as the hooks left it, then checkpointed (closing the last connection deletes the
    // WAL and its index, as the hooks' own connections do).
    let left = bench.store_sizes();
    {
        let db = open_db(&bench);
        db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap_or_else(|e| die(format!("checkpoint: {e}")));
    }
    let after = bench.store_sizes();
    let total = |v: &[(String, u64)]| v.iter().map(|(_, s)| s).sum::<u64>();

    println!();
    println!(
        "{:<22} {:>14} {:>16}",
        "REIN_HOME entry", "as left MiB", "checkpointed MiB"
    );
    let mut names: Vec<&String> = left.iter().chain(&after).map(|(n, _)| n).collect();
    names.sort();
    names.dedup();
    let cell = |v: &[(String, u64)], name: &str| {
        v.iter()
            .find(|(n, _)| n == name)
            .map_or_else(|| "-".to_owned(), |(_, s)| format!("{:.2}", mib(*s)))
    };
    for name in names {
        println!(
            "{name:<22} {:>14} {:>16}",
            cell(&left, name),
            cell(&after, name)
        );
    }
    println!(
        "{:<22} {:>14.2} {:>16.2}",
        "total",
        mib(total(&left)),
        mib(total(&after))
    );

    let db = open_db(&bench);
    println!();
    println!(
        "{:<34} {:>10} {:>8}",
        "inside rein.db (pages)", "MiB", "share"
    );
    let db_bytes = breakdown(&db);
    let pages: u64 = db_bytes.iter().map(|(_, b)| b).sum();
    let share = |b: u64| 100.0 * b as f64 / pages.max(1) as f64;
    let mut rest = 0;
    for (name, bytes) in &db_bytes {
        if share(*bytes) < 0.5 {
            rest += bytes;
            continue;
        }
        println!("{name:<34} {:>10.2} {:>7.1}%", mib(*bytes), share(*bytes));
    }
    println!(
        "{:<34} {:>10.2} {:>7.1}%",
        "(everything else)",
        mib(rest),
        share(rest)
    );
    let q = |sql: &str| -> i64 {
        db.query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
            .unwrap_or_else(|e| die(format!("{sql}: {e}")))
            .unwrap_or(0)
    };
    println!();
    println!(
        "   blobs: {} rows, {:.2} MiB compressed inline, {:.2} MiB raw",
        q("SELECT COUNT(*) FROM blobs"),
        mib(q("SELECT SUM(LENGTH(data)) FROM blobs") as u64),
        mib(q("SELECT SUM(size) FROM blobs") as u64)
    );
    println!(
        "   audit: {} events, {:.2} MiB of JSON; steps: {:.2} MiB input + {:.2} MiB response",
        q("SELECT COUNT(*) FROM audit"),
        mib(q("SELECT SUM(LENGTH(data)) FROM audit") as u64),
        mib(q("SELECT SUM(LENGTH(input)) FROM steps") as u64),
        mib(q("SELECT SUM(LENGTH(response)) FROM steps") as u64)
    );
    let recorded = q(&format!(
        "SELECT COUNT(DISTINCT after_blob) FROM file_versions WHERE path = '{FILE}'"
    ));
    if recorded as usize != versions {
        die(format!(
            "the store holds {recorded} distinct versions of {FILE}, the bench made {versions}"
        ));
    }
    println!("   the store holds all {versions} distinct versions of {FILE} (checked)");

    println!();
    println!("{:<52} {:>10} {:>8}", "size", "MiB", "/baseline");
    let row = |name: &str, bytes: u64| {
        println!(
            "{name:<52} {:>10.2} {:>7.2}x",
            mib(bytes),
            bytes as f64 / baseline as f64
        );
    };
    row("baseline: distinct versions, each zstd -3", baseline);
    row(
        "for scale: all versions as one zstd -3 --long stream",
        together,
    );
    row("for scale: distinct versions uncompressed", distinct.raw);
    row("store as the hooks left it", total(&left));
    row("store after wal_checkpoint(TRUNCATE)", total(&after));
    println!();
    let ratio = total(&after) as f64 / baseline as f64;
    target(
        "store_size",
        &format!("{:.2} MiB after {steps} steps", mib(total(&after))),
        ratio,
        ratio <= RATIO_TARGET,
        &format!(
            "≤ {RATIO_TARGET}x the distinct content compressed = {:.2} MiB",
            mib(baseline)
        ),
    );
}

fn open_db(bench: &Bench) -> rusqlite::Connection {
    rusqlite::Connection::open(bench.home.join("rein.db")).unwrap_or_else(|e| die(e))
}

/// Bytes of pages per table and index (SQLite's dbstat), largest first, plus free pages.
fn breakdown(db: &rusqlite::Connection) -> Vec<(String, u64)> {
    let mut stmt = db
        .prepare("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
        .unwrap_or_else(|e| die(format!("dbstat: {e}")));
    let mut out: Vec<(String, u64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
        .and_then(|rows| rows.collect())
        .unwrap_or_else(|e| die(format!("dbstat: {e}")));
    let free: i64 = db
        .query_row(
            "SELECT freelist_count * page_size FROM pragma_freelist_count, pragma_page_size",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    out.push(("(free pages)".into(), free as u64));
    out
}

/// The distinct versions seen, compressed one by one (the baseline) and as one stream.
struct Distinct {
    seen: HashSet<u64>,
    compressed: u64,
    raw: u64,
    stream: zstd::stream::Encoder<'static, Vec<u8>>,
}

impl Default for Distinct {
    fn default() -> Self {
        let mut stream = zstd::stream::Encoder::new(Vec::new(), 3).unwrap_or_else(|e| die(e));
        stream
            .long_distance_matching(true)
            .and_then(|()| stream.window_log(27))
            .unwrap_or_else(|e| die(e));
        Distinct {
            seen: HashSet::new(),
            compressed: 0,
            raw: 0,
            stream,
        }
    }
}

impl Distinct {
    fn add(&mut self, content: &[u8]) {
        let mut h = std::hash::DefaultHasher::new();
        content.hash(&mut h);
        if !self.seen.insert(h.finish()) {
            return;
        }
        let c = zstd::bulk::compress(content, 3).unwrap_or_else(|e| die(e));
        self.compressed += c.len() as u64;
        self.raw += content.len() as u64;
        self.stream.write_all(content).unwrap_or_else(|e| die(e));
    }

    /// (distinct versions, sum of their compressed sizes, size of the single stream)
    fn finish(&mut self) -> (usize, u64, u64) {
        let stream = std::mem::replace(
            &mut self.stream,
            zstd::stream::Encoder::new(Vec::new(), 3).unwrap_or_else(|e| die(e)),
        );
        let together = stream.finish().unwrap_or_else(|e| die(e)).len() as u64;
        (self.seen.len(), self.compressed, together)
    }
}
