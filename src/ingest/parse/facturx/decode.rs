//! Decoding the embedded file stream, bounded and checked.
//!
//! lopdf decodes Flate leniently: when zlib reports an error it logs a warning and
//! returns what it had decoded, and it never compares the Adler-32 checksum. A
//! viewer may prefer half a page to none; an invoice hub must not read a damaged
//! or truncated XML as if it were the one sent (a flipped byte in an amount still
//! parses). So a single-Flate stream, the form Factur-X producers write, is
//! accepted only when its zlib checksum matches the decoded bytes.

use lopdf::Stream;

/// How many bytes may follow the zlib checksum inside the stream: some writers
/// count an end-of-line or padding in `/Length`. The checksum is searched for in
/// this tail, so a match by chance has odds of about 2^-32 per position.
const TRAILING_SLACK: usize = 16;

/// The decoded content of `stream`, at most `max_bytes` long.
pub(super) fn decode(stream: &Stream, max_bytes: usize) -> Result<Vec<u8>, String> {
    let decoded = stream
        .decompressed_content_with_limit(max_bytes)
        .map_err(|err| super::chain(&err))?;
    let single_flate = stream
        .filters()
        .is_ok_and(|filters| filters == [b"FlateDecode".as_slice()]);
    if single_flate && !checksum_matches(&stream.content, &decoded) {
        return Err(
            "the Flate data is corrupt or truncated (its Adler-32 checksum does not match)".into(),
        );
    }
    Ok(decoded)
}

/// Whether the zlib trailer (the big-endian Adler-32 of the decoded bytes) ends the
/// compressed data, allowing [`TRAILING_SLACK`] bytes after it.
fn checksum_matches(compressed: &[u8], decoded: &[u8]) -> bool {
    let expected = adler32(decoded).to_be_bytes();
    // The 2-byte zlib header comes first; the trailer cannot overlap it.
    let search_from = compressed
        .len()
        .saturating_sub(TRAILING_SLACK + expected.len())
        .max(2);
    compressed
        .get(search_from..)
        .is_some_and(|tail| tail.windows(expected.len()).any(|w| w == expected))
}

/// Adler-32 (RFC 1950), the checksum of zlib streams.
fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    // 5552 is the largest run for which the sums cannot overflow a u32 before the
    // modulo (RFC 1950 and zlib use the same bound).
    const RUN: usize = 5552;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in bytes.chunks(RUN) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;

    #[test]
    fn adler32_matches_the_rfc_example() {
        // The value zlib gives for "Wikipedia", the usual worked example.
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
    }

    fn flate(content: &[u8]) -> Stream {
        let mut stream = Stream::new(dictionary! {}, content.to_vec());
        stream.compress().expect("compress");
        assert!(stream.filters().is_ok(), "the sample must be compressible");
        stream
    }

    #[test]
    fn intact_stream_decodes() {
        let text = "<a>".repeat(100) + &"</a>".repeat(100);
        let stream = flate(text.as_bytes());
        assert_eq!(decode(&stream, 1 << 20), Ok(text.into_bytes()));
    }

    #[test]
    fn trailing_end_of_line_is_tolerated() {
        let text = "<a>".repeat(100);
        let mut stream = flate(text.as_bytes());
        let mut content = stream.content.clone();
        content.extend_from_slice(b"\r\n");
        stream.set_content(content);
        assert_eq!(decode(&stream, 1 << 20), Ok(text.into_bytes()));
    }

    #[test]
    fn truncated_stream_is_refused() {
        let text: String = (0..2000).map(|i| format!("<n>{i}</n>")).collect();
        let mut stream = flate(text.as_bytes());
        let half = stream.content[..stream.content.len() / 2].to_vec();
        stream.set_content(half);
        let err = decode(&stream, 1 << 20).expect_err("half a stream");
        assert!(err.contains("Adler-32"), "{err}");
    }

    #[test]
    fn altered_checksum_is_refused() {
        let text = "<a>".repeat(100);
        let mut stream = flate(text.as_bytes());
        let mut content = stream.content.clone();
        if let Some(last) = content.last_mut() {
            *last ^= 0x01;
        }
        stream.set_content(content);
        let err = decode(&stream, 1 << 20).expect_err("bad checksum");
        assert!(err.contains("Adler-32"), "{err}");
    }
}
