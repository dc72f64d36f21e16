//! Peak memory of ingesting each fixture and corpus file, against the bound of the
//! EN 16931 issue: at most 10 times the file's size, plus a fixed allowance for what
//! does not scale with the input and, for a PDF, the decode budget the Factur-X
//! reader grants its embedded XML. A separate test binary because it installs a
//! counting global allocator and must run its measurements one at a time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use facteur::ingest::parse::facturx::MAX_EXPANSION;
use facteur::ingest::report::Syntax;
use facteur::ingest::{Options, ingest};

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

/// Fixed allowance for per-document structures that do not scale with the input, so
/// tiny files are not held to 10 × a few hundred bytes: the name table and the
/// vectors reserved up front (at most about 45 KiB measured on an XML file), and
/// lopdf's tables for a PDF (about 80 KiB measured on a 3 KiB PDF).
const FIXED_ALLOWANCE: usize = 128 * 1024;
const FACTOR: usize = 10;

/// The bound for one file: a PDF may also hold its embedded XML, which the Factur-X
/// reader lets grow to `MAX_EXPANSION` times the PDF's size (a decompression bomb
/// reaches exactly that), and that XML is then held to the same factor.
fn bound(path: &Path, len: usize) -> usize {
    let pdf = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    let decoded = if pdf { MAX_EXPANSION * len } else { 0 };
    FACTOR * len + decoded + FIXED_ALLOWANCE
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("xml") || e.eq_ignore_ascii_case("pdf"))
        {
            out.push(path);
        }
    }
}

/// Peak bytes allocated while ingesting `bytes` (the input itself excluded).
fn peak_of(bytes: &[u8], options: &Options) -> usize {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let outcome = ingest(bytes, options);
    let peak = PEAK.load(Ordering::Relaxed) - base;
    drop(outcome);
    peak
}

#[test]
fn ingest_memory_is_bounded_by_ten_times_the_input() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("fixtures"), &mut files);
    walk(&root.join("../shared/corpus"), &mut files);
    let options = Options::default();
    // Warm up the process-wide tables (compiled schemas, code lists, the CDAR rules'
    // tables) once: they are built on first use and shared by every later document.
    let _ = ingest(facteur::samples::ubl_invoice("W", 1).as_bytes(), &options);
    let _ = ingest(facteur::samples::cii_invoice("W", 1).as_bytes(), &options);
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        if ingest(&bytes, &options).report.syntax == Syntax::Cdar {
            break;
        }
    }

    let mut worst = (0.0f64, PathBuf::new());
    let mut over = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let peak = peak_of(&bytes, &options);
        let ratio = peak as f64 / bytes.len().max(1) as f64;
        if ratio > worst.0 && bytes.len() > FIXED_ALLOWANCE / FACTOR {
            worst = (ratio, path.clone());
        }
        if peak > bound(path, bytes.len()) {
            over.push(format!(
                "{}: {} bytes -> peak {peak}",
                path.display(),
                bytes.len()
            ));
        }
    }
    // Generated large invoices: the ratio that matters at scale.
    for (name, xml) in [
        (
            "ubl 10 000 lines",
            facteur::samples::ubl_invoice("L", 10_000),
        ),
        (
            "cii 10 000 lines",
            facteur::samples::cii_invoice("L", 10_000),
        ),
    ] {
        let peak = peak_of(xml.as_bytes(), &options);
        let ratio = peak as f64 / xml.len() as f64;
        println!(
            "{name}: {} bytes, peak {peak} bytes ({ratio:.2}x)",
            xml.len()
        );
        assert!(
            peak <= FACTOR * xml.len(),
            "{name}: peak {peak} > {FACTOR}x {}",
            xml.len()
        );
    }
    println!(
        "{} files measured; worst ratio among files over {} bytes: {:.2}x ({})",
        files.len(),
        FIXED_ALLOWANCE / FACTOR,
        worst.0,
        worst.1.display()
    );
    assert!(
        over.is_empty(),
        "memory bound exceeded:\n{}",
        over.join("\n")
    );
}
