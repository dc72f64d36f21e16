//! The `facteur` binary as a user runs it: output formats, directory walking and exit
//! codes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn facteur() -> Command {
    Command::new(env!("CARGO_BIN_EXE_facteur"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("facteur-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn json_lines_have_exactly_the_documented_fields() {
    let out = facteur()
        .args(["validate", "--format", "json"])
        .arg(fixtures().join("hostile/wrong-namespace.xml"))
        .arg(fixtures().join("ubl/sample-invoice-10-lines.xml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a rejected file gives exit 1");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        let mut keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort();
        assert_eq!(keys, ["file", "findings", "rules", "syntax", "verdict"]);
    }
    assert_eq!(lines[0]["syntax"], "unknown");
    assert_eq!(lines[0]["verdict"], "rejected");
    let finding = &lines[0]["findings"][0];
    assert_eq!(finding["rule"], "SYNTAX-UNKNOWN");
    assert_eq!(finding["severity"], "fatal");
    let mut keys: Vec<&str> = finding
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort();
    assert_eq!(keys, ["location", "message", "rule", "severity", "term"]);
    assert_eq!(lines[1]["syntax"], "ubl");
    assert_eq!(lines[1]["verdict"], "accepted");
    assert!(
        lines[1]["rules"]
            .as_str()
            .unwrap()
            .starts_with("EN16931 1.3.16")
    );
}

#[test]
fn directories_are_walked_recursively_by_content_and_extension_case() {
    let dir = scratch("walk");
    std::fs::create_dir_all(dir.join("deep/er")).unwrap();
    let ubl = std::fs::read(fixtures().join("ubl/sample-invoice-10-lines.xml")).unwrap();
    let pdf = std::fs::read(fixtures().join("facturx/valid.pdf")).unwrap();
    std::fs::write(dir.join("a.XML"), &ubl).unwrap();
    std::fs::write(dir.join("deep/er/b.Pdf"), &pdf).unwrap();
    // A misleading name: the content decides, not the extension.
    std::fs::write(dir.join("deep/c.xml"), &pdf).unwrap();
    std::fs::write(dir.join("ignored.txt"), b"not an invoice").unwrap();
    let out = facteur()
        .args(["validate", "--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let files: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            Path::new(f["file"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["a.XML", "c.xml", "b.Pdf"]);
    assert_eq!(
        files[1]["syntax"], "cii",
        "a PDF named .xml is still read as Factur-X"
    );
    assert_eq!(files[2]["syntax"], "cii");
}

#[test]
fn unreadable_files_are_reported_counted_and_give_exit_2() {
    let dir = scratch("unreadable");
    let missing = dir.join("missing.xml");
    let out = facteur()
        .arg("validate")
        .arg(&missing)
        .arg(fixtures().join("ubl/sample-invoice-10-lines.xml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing.xml"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("accepted  "),
        "the other file is still validated: {stdout}"
    );
    assert!(stdout.contains("1 error(s)"), "{stdout}");
}

#[test]
fn text_output_lists_findings_and_a_summary() {
    let out = facteur()
        .arg("validate")
        .arg(fixtures().join("hostile"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("REJECTED  "));
    assert!(stdout.contains("fatal   XML-DOCTYPE"), "{stdout}");
    assert!(
        stdout.lines().last().unwrap().contains("accepted,"),
        "{stdout}"
    );
}

#[test]
fn usage_errors_give_exit_2_and_help_gives_0() {
    assert_eq!(
        facteur().arg("validate").output().unwrap().status.code(),
        Some(2)
    );
    assert_eq!(
        facteur().arg("frobnicate").output().unwrap().status.code(),
        Some(2)
    );
    assert_eq!(
        facteur().arg("--help").output().unwrap().status.code(),
        Some(0)
    );
}

#[test]
fn rules_command_lists_the_registry_as_json() {
    let out = facteur()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let rules: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "BR-CO-10" && r["syntax"] == "ubl" && r["severity"] == "fatal")
    );
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "BR-CO-10" && r["syntax"] == "cii")
    );
    assert!(
        rules
            .iter()
            .all(|r| r["rules"].as_str().is_some_and(|v| !v.is_empty()))
    );
}
