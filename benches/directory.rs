//! Resolution throughput of the in-memory directory index on a generated directory
//! (1 million lines by default; `FACTEUR_BENCH_LINES` to change), one core, and the
//! index's heap bytes per line measured with a counting allocator (printed before the
//! benchmarks run).
//!
//! `cargo bench --bench directory`

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use facteur::directory::Day;
use facteur::directory::generate::generate;
use facteur::directory::index::{
    Fallback, Index, IndexBuilder, IndexLine, PlatformStates, Snapshot,
};
use facteur::identifiers::{AddressingId, AddressingRef, Matricule};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                + (new_size - layout.size());
            PEAK.fetch_max(now, Ordering::Relaxed);
        } else {
            CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn lines() -> u64 {
    std::env::var("FACTEUR_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// Builds the index and returns it with a sample of addresses to resolve: every
/// 97th generated identifier, plus finer identifiers that fall back.
fn setup() -> (Index, Vec<AddressingId>) {
    let n = lines();
    let mut sample = Vec::new();
    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let mut builder = IndexBuilder::with_capacity(n as usize);
    for (i, g) in generate(n, 1).enumerate() {
        if i % 97 == 0 {
            sample.push(g.addressing.clone());
        }
        builder.push(
            &g.addressing,
            IndexLine::new(i as i64 + 1, g.matricule, g.start, g.end),
        );
    }
    let base = builder.build();
    let platforms = PlatformStates::new(
        (1..=60)
            .filter_map(Matricule::from_value)
            .map(|m| (m, None))
            .chain([(Matricule::PPF, None)]),
    );
    let index = Index::new(Snapshot::new(base, platforms));
    let after = CURRENT.load(Ordering::Relaxed);
    let sample_size: usize = sample.len() * (std::mem::size_of::<AddressingId>() + 40);
    let held = after.saturating_sub(before).saturating_sub(sample_size);
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    eprintln!(
        "index of {n} lines ({} keys): {:.1} bytes/line held, {:.1} bytes/line at the peak of the build",
        index.load().base().key_count(),
        held as f64 / n as f64,
        peak as f64 / n as f64
    );
    (index, sample)
}

fn resolution(c: &mut Criterion) {
    let (index, sample) = setup();
    let at = Day::parse("2026-12-01").unwrap_or(Day::from_days(20_788));
    let texts: Vec<String> = sample.iter().map(ToString::to_string).collect();
    let mut group = c.benchmark_group("directory_resolve");
    group.throughput(Throughput::Elements(sample.len() as u64));
    group.bench_function("parsed_address", |b| {
        b.iter(|| {
            let snapshot = index.load();
            let mut found = 0u32;
            for a in &sample {
                found += u32::from(
                    snapshot
                        .resolve(black_box(a), at, Fallback::Hierarchical)
                        .is_some(),
                );
            }
            found
        })
    });
    group.bench_function("from_text", |b| {
        b.iter(|| {
            let mut found = 0u32;
            for t in &texts {
                if let Ok(a) = AddressingRef::parse(black_box(t)) {
                    found += u32::from(index.resolve_ref(a, at, Fallback::Hierarchical).is_some());
                }
            }
            found
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = resolution
}
criterion_main!(benches);
