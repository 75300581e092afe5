//! Evidence files (photos and documents) attached to a case.
//!
//! Before an upload is stored the service:
//!
//! 1. decides the file type from the bytes alone ([`sniff`]); the file name and the content type the
//!    client sent are never trusted;
//! 2. strips metadata that may be personal data (EXIF with the GPS position and the device, XMP,
//!    IPTC, comments, text chunks) from images without re-encoding them, so the pixel data stays
//!    byte-for-byte what the camera wrote ([`clean`]);
//! 3. reads the GPS position out of the EXIF first, so the service can offer it as the report's
//!    location ([`Cleaned::position`]);
//! 4. makes a small JPEG thumbnail of images so that lists never fetch the originals
//!    ([`thumbnail`]).
//!
//! Every parser here works on untrusted bytes: a malformed or truncated file gives
//! [`MediaError::Malformed`], never a panic.

use std::collections::HashSet;
use std::io::Cursor;
use std::ops::Range;

use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageError, ImageFormat, ImageReader, Limits, RgbImage};
use img_parts::jpeg::{markers, Jpeg, JpegSegment};
use img_parts::png::{Png, PngChunk};
use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::WebP;

/// A file type accepted as evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A JPEG photo.
    Jpeg,
    /// A PNG image (screenshots, mostly).
    Png,
    /// A WebP image.
    Webp,
    /// A HEIC/HEIF photo, as iPhones and many Android phones take them.
    Heic,
    /// A PDF document.
    Pdf,
}

impl FileKind {
    /// Every kind, in a fixed order.
    pub const ALL: [FileKind; 5] = [
        FileKind::Jpeg,
        FileKind::Png,
        FileKind::Webp,
        FileKind::Heic,
        FileKind::Pdf,
    ];

    /// The MIME type to store and serve the file with.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Webp => "image/webp",
            FileKind::Heic => "image/heic",
            FileKind::Pdf => "application/pdf",
        }
    }

    /// The file name extension (without the dot) to store the file with.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Webp => "webp",
            FileKind::Heic => "heic",
            FileKind::Pdf => "pdf",
        }
    }

    /// Whether the kind is an image (everything but PDF).
    pub fn is_image(self) -> bool {
        !matches!(self, FileKind::Pdf)
    }

    /// The short lowercase name used in configuration lists: `jpeg`, `png`, `webp`, `heic`, `pdf`.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpeg",
            FileKind::Png => "png",
            FileKind::Webp => "webp",
            FileKind::Heic => "heic",
            FileKind::Pdf => "pdf",
        }
    }

    /// Parses a configuration name, ignoring case and surrounding spaces; `jpg` and `heif` are
    /// accepted as aliases. Returns `None` for anything else.
    pub fn from_name(s: &str) -> Option<FileKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "jpeg" | "jpg" => Some(FileKind::Jpeg),
            "png" => Some(FileKind::Png),
            "webp" => Some(FileKind::Webp),
            "heic" | "heif" => Some(FileKind::Heic),
            "pdf" => Some(FileKind::Pdf),
            _ => None,
        }
    }

    /// The name people know the format by, for error messages.
    fn label(self) -> &'static str {
        match self {
            FileKind::Jpeg => "JPEG",
            FileKind::Png => "PNG",
            FileKind::Webp => "WebP",
            FileKind::Heic => "HEIC",
            FileKind::Pdf => "PDF",
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// ISO-BMFF brands that mark a HEIF still image (HEIC is HEIF with HEVC inside). `mif1` and
/// `msf1` are the generic HEIF brands, so `.heif` files are accepted too.
const HEIF_BRANDS: [&[u8; 4]; 8] = [
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
];

/// Decides the file type from its first bytes (the "magic number").
///
/// Returns `None` for anything that is not one of the [`FileKind`]s, such as an executable renamed
/// `.jpg`, HTML, SVG or a ZIP archive. Only the signature is checked: a file with a valid
/// signature followed by garbage is sniffed as that kind and then rejected by [`clean`].
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Some(FileKind::Png)
    } else if bytes.get(..4) == Some(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(FileKind::Webp)
    } else if is_heif(bytes) {
        Some(FileKind::Heic)
    } else if bytes.starts_with(b"%PDF-") {
        // Readers accept `%PDF-` anywhere in the first kilobyte, which lets a file be a valid PDF
        // and something else at once (a polyglot); evidence must be a PDF from its first byte.
        Some(FileKind::Pdf)
    } else {
        None
    }
}

/// Whether the file starts with an ISO-BMFF `ftyp` box naming a HEIF brand, either as the major
/// brand or among the compatible ones.
fn is_heif(bytes: &[u8]) -> bool {
    if bytes.get(4..8) != Some(b"ftyp") {
        return false;
    }
    let Some(size) = read_u32_be(bytes, 0) else {
        return false;
    };
    let end = match size {
        0 => bytes.len(),
        // A 64-bit size for a box of a few dozen bytes is not something real files do.
        1 => return false,
        n => n as usize,
    };
    // size, type, major brand and minor version come before the compatible brands.
    let Some(ftyp) = bytes.get(..end).filter(|ftyp| ftyp.len() >= 16) else {
        return false;
    };
    let major = ftyp.get(8..12);
    let compatible = ftyp.get(16..).unwrap_or_default().chunks_exact(4);
    major
        .into_iter()
        .chain(compatible)
        .any(|brand| HEIF_BRANDS.iter().any(|known| brand == *known))
}

fn read_u32_be(bytes: &[u8], at: usize) -> Option<u32> {
    let raw = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(raw.try_into().ok()?))
}

/// Why an evidence file could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The file is not a well-formed file of the kind it claims to be (truncated, corrupt, or
    /// something else behind a valid signature). The message can be shown to the uploader.
    #[error("{0}")]
    Malformed(String),
    /// The image is too large (in pixels or memory) to decode safely, e.g. a decompression bomb.
    #[error("the image is too large to process")]
    TooLarge,
}

fn malformed(kind: FileKind, why: impl std::fmt::Display) -> MediaError {
    MediaError::Malformed(format!("the {} file is malformed: {why}", kind.label()))
}

/// The result of [`clean`]: the file to store and what was learnt from its metadata.
#[derive(Clone, Debug)]
pub struct Cleaned {
    /// The file to store, with the personal metadata removed.
    pub bytes: Vec<u8>,
    /// The GPS position (latitude, longitude in degrees, WGS-84 as cameras write it) read from the
    /// EXIF before it was removed, when there was a plausible one.
    pub position: Option<(f64, f64)>,
    /// Whether anything was removed or overwritten, i.e. `bytes` differ from the upload.
    pub stripped: bool,
}

/// Removes the metadata that may be personal data from an evidence file, keeping the image data
/// byte-for-byte (nothing is re-encoded), and reads the GPS position out first.
///
/// `kind` must be what [`sniff`] said about `bytes`; otherwise the file is rejected as malformed.
///
/// - JPEG: every APPn segment is dropped except APP0 `JFIF` (without its embedded thumbnail), APP2
///   `ICC_PROFILE` and APP14 `Adobe`, which decoders need for the colours; COM segments are
///   dropped too, also between progressive scans, and so is anything after the end-of-image
///   marker (secondary images of the dropped MPF segment, vendor trailers).
/// - PNG: the `eXIf`, `tEXt`, `zTXt`, `iTXt` (where XMP lives) and `tIME` chunks are dropped, and
///   so is anything after `IEND`.
/// - WebP: the `EXIF` and `XMP ` chunks are dropped and their flags cleared in the `VP8X` chunk.
/// - HEIC: the `Exif` items and the XMP `mime` items are overwritten with zero bytes in place, so
///   every offset in the file stays valid. Items stored in a way this code does not follow (in
///   another item or another file) are left as they are, which `stripped` then reflects.
/// - PDF: returned unchanged with no position; document metadata (author, producer, XMP) is not
///   touched.
///
/// Phones store photos sideways and rely on the EXIF Orientation to show them upright, so when
/// the original EXIF of a JPEG, PNG or WebP had an Orientation other than 1, a new minimal EXIF
/// holding only that Orientation is put back. HEIC keeps its orientation in `irot`/`imir`
/// properties, which are left alone.
///
/// An EXIF that cannot be parsed only means no position: it is still removed.
pub fn clean(kind: FileKind, bytes: Vec<u8>) -> Result<Cleaned, MediaError> {
    if sniff(&bytes) != Some(kind) {
        return Err(malformed(kind, "its content does not match the file type"));
    }
    let cleaned = match kind {
        FileKind::Jpeg => clean_jpeg(Bytes::from(bytes))?,
        FileKind::Png => clean_png(Bytes::from(bytes))?,
        FileKind::Webp => clean_webp(Bytes::from(bytes))?,
        FileKind::Heic => clean_heic(bytes)?,
        FileKind::Pdf => Cleaned {
            bytes,
            position: None,
            stripped: false,
        },
    };
    // Cleaning must never turn a file into something that no longer passes as its kind.
    if sniff(&cleaned.bytes) != Some(kind) {
        return Err(malformed(kind, "it could not be cleaned"));
    }
    Ok(cleaned)
}

// ---------------------------------------------------------------------------------------------
// EXIF
// ---------------------------------------------------------------------------------------------

/// What the service keeps from an EXIF block before removing it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct ExifFacts {
    position: Option<(f64, f64)>,
    /// The Orientation tag, only when it asks for a transformation (2–8).
    orientation: Option<u16>,
}

impl ExifFacts {
    /// Reads the facts out of raw EXIF (a TIFF structure, with or without the `Exif\0\0` prefix
    /// some writers put in front). A damaged EXIF gives what could be parsed, possibly nothing.
    fn read(raw: &[u8]) -> ExifFacts {
        let tiff = raw.strip_prefix(EXIF_PREFIX).unwrap_or(raw);
        let mut reader = exif::Reader::new();
        // A broken maker note or thumbnail should not hide a valid GPS block.
        reader.continue_on_error(true);
        let parsed = reader
            .read_raw(tiff.to_vec())
            .or_else(|e| e.distill_partial_result(|_| {}));
        match parsed {
            Ok(exif) => ExifFacts {
                position: gps_position(&exif),
                orientation: orientation(&exif),
            },
            Err(_) => ExifFacts::default(),
        }
    }
}

const EXIF_PREFIX: &[u8] = b"Exif\0\0";

/// The GPS position in degrees, when both coordinates and their hemispheres are present and make
/// sense. `(0, 0)` is what broken GPS chips write, so it is not a position.
fn gps_position(exif: &exif::Exif) -> Option<(f64, f64)> {
    use exif::{In, Tag};
    let coordinate = |value: Tag, hemisphere: Tag, negative: u8| -> Option<f64> {
        let degrees = degrees(&exif.get_field(value, In::PRIMARY)?.value)?;
        let hemisphere = first_ascii(&exif.get_field(hemisphere, In::PRIMARY)?.value)?;
        Some(if hemisphere.eq_ignore_ascii_case(&negative) {
            -degrees
        } else {
            degrees
        })
    };
    let lat = coordinate(Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S')?;
    let lng = coordinate(Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W')?;
    let plausible = lat.is_finite()
        && lng.is_finite()
        && lat.abs() <= 90.0
        && lng.abs() <= 180.0
        && (lat, lng) != (0.0, 0.0);
    plausible.then_some((lat, lng))
}

/// Degrees, minutes and seconds (three rationals) as decimal degrees. Some writers put the whole
/// value in the degrees and leave out the rest, which works the same way.
fn degrees(value: &exif::Value) -> Option<f64> {
    let exif::Value::Rational(parts) = value else {
        return None;
    };
    if parts.is_empty() {
        return None;
    }
    let scales = [1.0, 60.0, 3600.0];
    Some(
        parts
            .iter()
            .zip(scales)
            .map(|(part, scale)| part.to_f64() / scale)
            .sum(),
    )
}

fn first_ascii(value: &exif::Value) -> Option<u8> {
    match value {
        exif::Value::Ascii(strings) => strings.first()?.first().copied(),
        _ => None,
    }
}

fn orientation(exif: &exif::Exif) -> Option<u16> {
    let field = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    let value = u16::try_from(field.value.get_uint(0)?).ok()?;
    (2..=8).contains(&value).then_some(value)
}

/// A minimal EXIF (TIFF structure, no `Exif\0\0` prefix) holding only the Orientation: a
/// big-endian header, one IFD with one SHORT entry, and no next IFD.
fn orientation_tiff(orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0*\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes()); // value, left-justified in 4 bytes
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    tiff
}

/// The raw EXIF of a JPEG, PNG or WebP file, if it has one and the container parses.
fn embedded_exif(kind: FileKind, bytes: Bytes) -> Option<Bytes> {
    match kind {
        FileKind::Jpeg => Jpeg::from_bytes(bytes)
            .ok()?
            .segments()
            .iter()
            .find_map(jpeg_exif),
        FileKind::Png => Some(
            Png::from_bytes(bytes)
                .ok()?
                .chunk_by_type(PNG_EXIF)?
                .contents()
                .clone(),
        ),
        FileKind::Webp => webp_exif(&WebP::from_bytes(bytes).ok()?),
        FileKind::Heic | FileKind::Pdf => None,
    }
}

// ---------------------------------------------------------------------------------------------
// JPEG
// ---------------------------------------------------------------------------------------------

const JFIF_PREFIX: &[u8] = b"JFIF\0";
const ICC_PREFIX: &[u8] = b"ICC_PROFILE\0";
const ADOBE_PREFIX: &[u8] = b"Adobe";
/// `JFIF\0`, version (2), units (1), densities (2 × 2), thumbnail width and height (1 + 1).
const JFIF_HEADER_LEN: usize = 14;

fn clean_jpeg(input: Bytes) -> Result<Cleaned, MediaError> {
    let bad = |why: &dyn std::fmt::Display| malformed(FileKind::Jpeg, why);
    let mut jpeg = Jpeg::from_bytes(input.clone()).map_err(|e| bad(&e))?;
    let facts = jpeg
        .segments()
        .iter()
        .find_map(jpeg_exif)
        .map(|exif| ExifFacts::read(&exif));

    // img-parts parses the segments up to the first scan and keeps everything after the scan
    // header (all scans, the end-of-image marker and any trailing bytes) as that segment's
    // "entropy", which it does not expose, so it is taken from the end of the input instead.
    let segments = jpeg.segments_mut();
    let scan = segments
        .iter()
        .position(JpegSegment::has_entropy)
        .ok_or_else(|| bad(&"it has no image data"))?;
    if let Some(segment) = segments.get_mut(scan) {
        let tail_len = segment.len_with_entropy() - segment.len();
        let start = input
            .len()
            .checked_sub(tail_len)
            .ok_or_else(|| bad(&"its scan data is inconsistent"))?;
        let tail = clean_scans(&input.slice(start..))?;
        *segment = JpegSegment::new_with_entropy(markers::SOS, segment.contents().clone(), tail);
    }

    segments.retain(|segment| keep_jpeg_segment(segment.marker(), segment.contents()));
    for segment in segments.iter_mut() {
        if let Some(contents) = jfif_without_thumbnail(segment) {
            *segment = JpegSegment::new_with_contents(markers::APP0, contents);
        }
    }
    if let Some(orientation) = facts.and_then(|facts| facts.orientation) {
        // EXIF goes right after the JFIF segment, where readers look for it.
        let at = segments
            .iter()
            .position(|s| s.marker() != markers::APP0)
            .unwrap_or(segments.len());
        let contents = [EXIF_PREFIX, &orientation_tiff(orientation)].concat();
        segments.insert(
            at,
            JpegSegment::new_with_contents(markers::APP1, Bytes::from(contents)),
        );
    }

    let output = jpeg.encoder().bytes();
    Ok(Cleaned {
        stripped: output != input,
        bytes: Vec::from(output),
        position: facts.and_then(|facts| facts.position),
    })
}

/// The TIFF part of an APP1 `Exif` segment.
fn jpeg_exif(segment: &JpegSegment) -> Option<Bytes> {
    let contents = segment.contents();
    (segment.marker() == markers::APP1 && contents.starts_with(EXIF_PREFIX))
        .then(|| contents.slice(EXIF_PREFIX.len()..))
}

/// Whether a segment may stay: everything but application segments and comments, except the few
/// application segments that decoding needs (JFIF, the colour profile, Adobe's colour transform).
fn keep_jpeg_segment(marker: u8, contents: &[u8]) -> bool {
    match marker {
        markers::APP0 => contents.starts_with(JFIF_PREFIX),
        markers::APP2 => contents.starts_with(ICC_PREFIX),
        markers::APP14 => contents.starts_with(ADOBE_PREFIX),
        markers::APP1..=markers::APP15 | markers::COM => false,
        _ => true,
    }
}

/// A JFIF segment may carry an uncompressed thumbnail, which can show what a crop removed; this
/// gives the segment's contents without it, or `None` when there is nothing to remove.
fn jfif_without_thumbnail(segment: &JpegSegment) -> Option<Bytes> {
    let contents = segment.contents();
    if segment.marker() != markers::APP0 || !contents.starts_with(JFIF_PREFIX) {
        return None;
    }
    let header = contents.get(..JFIF_HEADER_LEN)?;
    let has_thumbnail = contents.len() > JFIF_HEADER_LEN || !header.ends_with(&[0, 0]);
    has_thumbnail.then(|| {
        let mut header = header.to_vec();
        header.truncate(JFIF_HEADER_LEN - 2);
        header.extend_from_slice(&[0, 0]);
        Bytes::from(header)
    })
}

/// Walks what follows the first scan header up to the end-of-image marker and returns it without
/// the application and comment segments found between progressive scans and without anything
/// after the end-of-image marker. The scan data itself is copied unchanged.
///
/// Inside scan data a 0xFF byte is always followed by 0x00 (byte stuffing) or a restart marker,
/// so any other marker is a real segment boundary.
fn clean_scans(tail: &Bytes) -> Result<Bytes, MediaError> {
    let bad = |why: &str| malformed(FileKind::Jpeg, why);
    let truncated = || bad("it is truncated (no end of image marker)");
    let data: &[u8] = tail;
    let mut kept: Vec<Range<usize>> = Vec::new();
    let mut copy_from = 0;
    let mut pos = 0;
    loop {
        let rest = data.get(pos..).unwrap_or_default();
        let ff = pos + rest.iter().position(|&b| b == 0xFF).ok_or_else(truncated)?;
        // Any number of 0xFF fill bytes may come before a marker.
        let mut at = ff + 1;
        while data.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *data.get(at).ok_or_else(truncated)?;
        match marker {
            // Stuffed 0xFF, restart markers and TEM are part of the scan and carry no length.
            0x00 | 0x01 | markers::RST0..=markers::RST7 => pos = at + 1,
            markers::EOI => {
                kept.push(copy_from..at + 1);
                break;
            }
            markers::SOI => return Err(bad("it has a second start of image inside the first")),
            _ => {
                let length = data
                    .get(at + 1..at + 3)
                    .and_then(|raw| raw.try_into().ok())
                    .ok_or_else(truncated)?;
                let length = usize::from(u16::from_be_bytes(length));
                let end = at + 1 + length;
                let contents = data
                    .get(at + 3..end)
                    .filter(|_| length >= 2)
                    .ok_or_else(|| bad("a segment between its scans is truncated"))?;
                if !keep_jpeg_segment(marker, contents) {
                    kept.push(copy_from..ff);
                    copy_from = end;
                }
                pos = end;
            }
        }
    }
    Ok(join_ranges(tail, &kept))
}

/// The bytes of `ranges` (in bounds, in order) of `data`, without copying when there is only one.
fn join_ranges(data: &Bytes, ranges: &[Range<usize>]) -> Bytes {
    match ranges {
        [only] if only.end <= data.len() && only.start <= only.end => data.slice(only.clone()),
        _ => {
            let mut joined = Vec::with_capacity(data.len());
            for range in ranges {
                joined.extend_from_slice(data.get(range.clone()).unwrap_or_default());
            }
            Bytes::from(joined)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------------------------

const PNG_EXIF: [u8; 4] = *b"eXIf";
/// EXIF, the three text chunk types (XMP is an `iTXt`) and the last-modification time.
const PNG_DROPPED: [[u8; 4]; 5] = [PNG_EXIF, *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"];

fn clean_png(input: Bytes) -> Result<Cleaned, MediaError> {
    let bad = |why: &dyn std::fmt::Display| malformed(FileKind::Png, why);
    let mut png = Png::from_bytes(input.clone()).map_err(|e| bad(&e))?;
    // img-parts stops at IEND or at the end of the input, so a file cut at a chunk boundary only
    // shows as a missing IEND.
    let kinds: Vec<[u8; 4]> = png.chunks().iter().map(PngChunk::kind).collect();
    if kinds.first() != Some(b"IHDR") {
        return Err(bad(&"it does not start with an image header"));
    }
    if kinds.last() != Some(b"IEND") {
        return Err(bad(&"it is truncated (no end chunk)"));
    }
    if !kinds.contains(b"IDAT") {
        return Err(bad(&"it has no image data"));
    }

    let facts = png
        .chunk_by_type(PNG_EXIF)
        .map(|chunk| ExifFacts::read(chunk.contents()));
    png.chunks_mut()
        .retain(|chunk| !PNG_DROPPED.contains(&chunk.kind()));
    if let Some(orientation) = facts.and_then(|facts| facts.orientation) {
        // eXIf holds the bare TIFF structure and must come before the image data.
        let chunk = PngChunk::new(PNG_EXIF, Bytes::from(orientation_tiff(orientation)));
        png.chunks_mut().insert(1, chunk);
    }

    let output = png.encoder().bytes();
    Ok(Cleaned {
        stripped: output != input,
        bytes: Vec::from(output),
        position: facts.and_then(|facts| facts.position),
    })
}

// ---------------------------------------------------------------------------------------------
// WebP
// ---------------------------------------------------------------------------------------------

const WEBP_VP8X: [u8; 4] = *b"VP8X";
const WEBP_EXIF: [u8; 4] = *b"EXIF";
const WEBP_XMP: [u8; 4] = *b"XMP ";
/// Image data: lossy, lossless, or the frames of an animation.
const WEBP_IMAGE: [[u8; 4]; 3] = [*b"VP8 ", *b"VP8L", *b"ANMF"];
/// The VP8X flag bits saying an EXIF or XMP chunk is present.
const VP8X_EXIF_FLAG: u8 = 0x08;
const VP8X_XMP_FLAG: u8 = 0x04;
/// Flags (1), reserved (3), canvas width and height (3 + 3).
const VP8X_LEN: usize = 10;

/// img-parts exposes the RIFF chunks, but its own EXIF setter rewrites the VP8X flags without
/// the XMP bit and may drop the VP8X chunk, so the chunks and flags are edited directly here.
fn clean_webp(input: Bytes) -> Result<Cleaned, MediaError> {
    let bad = |why: &dyn std::fmt::Display| malformed(FileKind::Webp, why);
    let mut webp = WebP::from_bytes(input.clone()).map_err(|e| bad(&e))?;
    if !webp.chunks().iter().any(|chunk| WEBP_IMAGE.contains(&chunk.id())) {
        return Err(bad(&"it has no image data"));
    }

    let facts = webp_exif(&webp).map(|exif| ExifFacts::read(&exif));
    webp.remove_chunks_by_id(WEBP_EXIF);
    webp.remove_chunks_by_id(WEBP_XMP);

    // Without a VP8X chunk readers ignore EXIF, so orientation is only kept where there is one.
    let orientation = facts.and_then(|facts| facts.orientation);
    let vp8x = webp.chunks_mut().iter_mut().find(|chunk| chunk.id() == WEBP_VP8X);
    if let Some(chunk) = vp8x {
        let mut header = chunk
            .content()
            .data()
            .map(|data| data.to_vec())
            .unwrap_or_default();
        if header.len() < VP8X_LEN {
            return Err(bad(&"its extended header is truncated"));
        }
        if let Some(flags) = header.first_mut() {
            *flags &= !(VP8X_EXIF_FLAG | VP8X_XMP_FLAG);
            if orientation.is_some() {
                *flags |= VP8X_EXIF_FLAG;
            }
        }
        *chunk = RiffChunk::new(WEBP_VP8X, RiffContent::Data(Bytes::from(header)));
        if let Some(orientation) = orientation {
            let exif = RiffContent::Data(Bytes::from(orientation_tiff(orientation)));
            webp.chunks_mut().push(RiffChunk::new(WEBP_EXIF, exif));
        }
    }

    let output = webp.encoder().bytes();
    Ok(Cleaned {
        stripped: output != input,
        bytes: Vec::from(output),
        position: facts.and_then(|facts| facts.position),
    })
}

/// The contents of a WebP `EXIF` chunk: a TIFF structure, with `Exif\0\0` in front from some
/// writers (which [`ExifFacts::read`] accepts).
fn webp_exif(webp: &WebP) -> Option<Bytes> {
    webp.chunk_by_id(WEBP_EXIF)?.content().data().cloned()
}

// ---------------------------------------------------------------------------------------------
// HEIC (ISO base media file format)
// ---------------------------------------------------------------------------------------------

fn heic_error(why: &str) -> MediaError {
    malformed(FileKind::Heic, why)
}

/// A big-endian reader over `data[pos..end]` where every read is bounds-checked.
struct ByteReader<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> ByteReader<'a> {
    fn new(data: &'a [u8], range: Range<usize>) -> Self {
        ByteReader {
            data,
            pos: range.start,
            end: range.end.min(data.len()),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], MediaError> {
        let truncated = || heic_error("a box is truncated");
        let stop = self
            .pos
            .checked_add(n)
            .filter(|&stop| stop <= self.end)
            .ok_or_else(truncated)?;
        let bytes = self.data.get(self.pos..stop).ok_or_else(truncated)?;
        self.pos = stop;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], MediaError> {
        self.take(N)?
            .try_into()
            .map_err(|_| heic_error("a box is truncated"))
    }

    fn u8(&mut self) -> Result<u8, MediaError> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    fn u16(&mut self) -> Result<u16, MediaError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, MediaError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, MediaError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// An unsigned integer of 0, 4 or 8 bytes, as `iloc` declares its field sizes.
    fn sized(&mut self, size: u8) -> Result<u64, MediaError> {
        match size {
            0 => Ok(0),
            4 => self.u32().map(u64::from),
            8 => self.u64(),
            _ => Err(heic_error("the item locations use an invalid field size")),
        }
    }

    /// The version byte of a full box; the 3 flag bytes after it are skipped.
    fn full_box_version(&mut self) -> Result<u8, MediaError> {
        let version = self.u8()?;
        self.take(3)?;
        Ok(version)
    }

    /// A NUL-terminated string; an unterminated one runs to the end (some writers omit the NUL).
    fn c_string(&mut self) -> &'a [u8] {
        let rest = self.data.get(self.pos..self.end).unwrap_or_default();
        let text = rest.split(|&b| b == 0).next().unwrap_or_default();
        self.pos = self.pos.saturating_add(text.len() + 1).min(self.end);
        text
    }
}

/// Where a box and its payload are in the file.
struct BoxRef {
    kind: [u8; 4],
    /// Where the payload starts, after the size, type (and `uuid` user type).
    body: usize,
    end: usize,
}

/// The boxes that fill `data[range]` back to back. A box that runs past the range is an error:
/// that is what a truncated file looks like.
fn child_boxes(data: &[u8], range: Range<usize>) -> Result<Vec<BoxRef>, MediaError> {
    let mut boxes = Vec::new();
    let mut pos = range.start;
    while pos < range.end {
        let mut reader = ByteReader::new(data, pos..range.end);
        let size = reader.u32()?;
        let kind = reader.array::<4>()?;
        let size = match size {
            0 => (range.end - pos) as u64, // to the end of the enclosing range
            1 => reader.u64()?,            // a 64-bit "largesize" follows the type
            n => u64::from(n),
        };
        if kind == *b"uuid" {
            reader.take(16)?; // the extended type
        }
        let body = reader.pos;
        let end = usize::try_from(size)
            .ok()
            .and_then(|size| pos.checked_add(size))
            .filter(|&end| end >= body && end <= range.end)
            .ok_or_else(|| heic_error("a box runs past the end of the file"))?;
        boxes.push(BoxRef { kind, body, end });
        pos = end;
    }
    Ok(boxes)
}

fn find_box<'b>(boxes: &'b [BoxRef], kind: &[u8; 4]) -> Option<&'b BoxRef> {
    boxes.iter().find(|b| &b.kind == kind)
}

/// An entry of the item information box (`infe`).
struct ItemInfo {
    id: u32,
    kind: [u8; 4],
    /// For `mime` items, the content type.
    content_type: Vec<u8>,
}

impl ItemInfo {
    /// EXIF items, and `mime` items holding XMP (`application/rdf+xml`, or anything naming XMP).
    fn is_metadata(&self) -> bool {
        let content_type = self.content_type.to_ascii_lowercase();
        let mentions = |needle: &[u8]| content_type.windows(needle.len()).any(|w| w == needle);
        &self.kind == b"Exif" || (&self.kind == b"mime" && (mentions(b"xmp") || mentions(b"rdf")))
    }
}

/// Reads `iinf`: a full box with an entry count (16-bit in version 0, 32-bit after) and `infe`
/// boxes. The boxes themselves are walked rather than trusting the count.
fn parse_iinf(data: &[u8], iinf: &BoxRef) -> Result<Vec<ItemInfo>, MediaError> {
    let mut reader = ByteReader::new(data, iinf.body..iinf.end);
    let version = reader.full_box_version()?;
    if version == 0 {
        reader.u16()?;
    } else {
        reader.u32()?;
    }
    let mut items = Vec::new();
    for entry in child_boxes(data, reader.pos..iinf.end)? {
        if &entry.kind == b"infe" {
            items.extend(parse_infe(data, &entry)?);
        }
    }
    Ok(items)
}

/// Reads an `infe` box. Versions 0 and 1 have no item type (and so cannot be EXIF or XMP items);
/// version 2 has a 16-bit item ID and version 3 a 32-bit one.
fn parse_infe(data: &[u8], infe: &BoxRef) -> Result<Option<ItemInfo>, MediaError> {
    let mut reader = ByteReader::new(data, infe.body..infe.end);
    let id = match reader.full_box_version()? {
        2 => u32::from(reader.u16()?),
        3 => reader.u32()?,
        _ => return Ok(None),
    };
    reader.u16()?; // protection index
    let kind = reader.array::<4>()?;
    reader.c_string(); // item name
    let content_type = if &kind == b"mime" {
        reader.c_string().to_vec()
    } else {
        Vec::new()
    };
    Ok(Some(ItemInfo {
        id,
        kind,
        content_type,
    }))
}

/// How an item's data is located: `iloc` construction methods 0 (file offsets) and 1 (offsets
/// into the `idat` box) are followed; method 2 (offsets into another item) and data in another
/// file are not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Construction {
    File,
    Idat,
    Unsupported,
}

/// An entry of the item location box (`iloc`).
struct ItemLocation {
    id: u32,
    construction: Construction,
    base_offset: u64,
    /// (offset, length) pairs; a length of 0 means "to the end of the data".
    extents: Vec<(u64, u64)>,
}

/// Reads `iloc` (versions 0, 1 and 2).
fn parse_iloc(data: &[u8], iloc: &BoxRef) -> Result<Vec<ItemLocation>, MediaError> {
    let mut reader = ByteReader::new(data, iloc.body..iloc.end);
    let version = reader.full_box_version()?;
    if version > 2 {
        return Err(heic_error("the item locations have an unknown version"));
    }
    let sizes = reader.u8()?;
    let (offset_size, length_size) = (sizes >> 4, sizes & 0x0F);
    let sizes = reader.u8()?;
    let base_offset_size = sizes >> 4;
    // The low nibble is the index size in versions 1 and 2, and reserved in version 0.
    let index_size = if version == 0 { 0 } else { sizes & 0x0F };
    let count = if version < 2 {
        u32::from(reader.u16()?)
    } else {
        reader.u32()?
    };

    let mut locations = Vec::new();
    for _ in 0..count {
        let id = if version < 2 {
            u32::from(reader.u16()?)
        } else {
            reader.u32()?
        };
        let method = if version == 0 { 0 } else { reader.u16()? & 0x0F };
        let data_reference = reader.u16()?;
        let base_offset = reader.sized(base_offset_size)?;
        let extent_count = reader.u16()?;
        // Extents that take no bytes would let a tiny box describe millions of them.
        if extent_count > 1 && index_size == 0 && offset_size == 0 && length_size == 0 {
            return Err(heic_error("the item locations describe empty extents"));
        }
        let mut extents = Vec::new();
        for _ in 0..extent_count {
            reader.sized(index_size)?;
            let offset = reader.sized(offset_size)?;
            let length = reader.sized(length_size)?;
            extents.push((offset, length));
        }
        let construction = match (method, data_reference) {
            (0, 0) => Construction::File,
            (1, _) => Construction::Idat,
            _ => Construction::Unsupported,
        };
        locations.push(ItemLocation {
            id,
            construction,
            base_offset,
            extents,
        });
    }
    Ok(locations)
}

/// The byte ranges of an item's extents in the file, checked to lie inside the file (or the
/// `idat` box); `None` when the item is stored in a way that is not followed.
fn resolve_extents(
    location: &ItemLocation,
    file_len: usize,
    idat: Option<Range<usize>>,
) -> Result<Option<Vec<Range<usize>>>, MediaError> {
    let within = match location.construction {
        Construction::File => 0..file_len,
        Construction::Idat => idat.ok_or_else(|| heic_error("an item refers to a missing idat box"))?,
        Construction::Unsupported => return Ok(None),
    };
    let outside = || heic_error("an item lies outside the file (is it truncated?)");
    let mut ranges = Vec::new();
    for &(offset, length) in &location.extents {
        let start = location
            .base_offset
            .checked_add(offset)
            .and_then(|relative| usize::try_from(relative).ok())
            .and_then(|relative| within.start.checked_add(relative))
            .filter(|&start| start <= within.end)
            .ok_or_else(outside)?;
        let end = match length {
            0 => within.end,
            length => usize::try_from(length)
                .ok()
                .and_then(|length| start.checked_add(length))
                .filter(|&end| end <= within.end)
                .ok_or_else(outside)?,
        };
        ranges.push(start..end);
    }
    Ok(Some(ranges))
}

/// Overwrites the EXIF and XMP items of a HEIF file with zero bytes, in place, so that every
/// offset in the file stays valid.
fn clean_heic(mut bytes: Vec<u8>) -> Result<Cleaned, MediaError> {
    let top = child_boxes(&bytes, 0..bytes.len())?;
    let meta = find_box(&top, b"meta").ok_or_else(|| heic_error("it has no meta box"))?;
    // `meta` is a full box: its children follow 4 bytes of version and flags.
    let children_start = meta.body.checked_add(4).filter(|&start| start <= meta.end);
    let children_start = children_start.ok_or_else(|| heic_error("the meta box is truncated"))?;
    let children = child_boxes(&bytes, children_start..meta.end)?;
    let iinf = find_box(&children, b"iinf").ok_or_else(|| heic_error("it has no item information"))?;
    let iloc = find_box(&children, b"iloc").ok_or_else(|| heic_error("it has no item locations"))?;
    let idat = find_box(&children, b"idat").map(|idat| idat.body..idat.end);
    let items = parse_iinf(&bytes, iinf)?;
    let locations = parse_iloc(&bytes, iloc)?;

    // An item ID may be listed more than once; it is metadata if any listing says so.
    let metadata_ids: HashSet<u32> = items.iter().filter(|i| i.is_metadata()).map(|i| i.id).collect();
    let exif_ids: HashSet<u32> = items
        .iter()
        .filter(|i| &i.kind == b"Exif")
        .map(|i| i.id)
        .collect();

    // Every item that can be located must be inside the file: this is how a file cut short
    // between its boxes shows.
    let mut metadata_ranges = Vec::new();
    let mut exif_ranges = None;
    for location in &locations {
        let ranges = resolve_extents(location, bytes.len(), idat.clone())?;
        let Some(ranges) = ranges.filter(|_| metadata_ids.contains(&location.id)) else {
            continue;
        };
        if exif_ranges.is_none() && exif_ids.contains(&location.id) {
            exif_ranges = Some(ranges.clone());
        }
        metadata_ranges.extend(ranges);
    }

    let payload = exif_ranges.map(|ranges| gather(&bytes, &ranges, MAX_EXIF_LEN));
    let position = payload
        .as_deref()
        .and_then(heic_exif_tiff)
        .and_then(|tiff| ExifFacts::read(tiff).position);
    let mut stripped = false;
    for range in merge_ranges(metadata_ranges) {
        if let Some(extent) = bytes.get_mut(range) {
            stripped |= extent.iter().any(|&b| b != 0);
            extent.fill(0);
        }
    }
    Ok(Cleaned {
        bytes,
        position,
        stripped,
    })
}

/// The most EXIF read from a HEIF file. Real EXIF fits in 64 KiB (the JPEG limit); the cap stops
/// a crafted file from having its extents copied over and over.
const MAX_EXIF_LEN: usize = 1024 * 1024;

/// The bytes of `ranges` of `data`, one after the other, up to `limit` bytes.
fn gather(data: &[u8], ranges: &[Range<usize>], limit: usize) -> Vec<u8> {
    let mut gathered = Vec::new();
    for range in ranges {
        let room = limit.saturating_sub(gathered.len());
        let part = data.get(range.clone()).unwrap_or_default();
        gathered.extend_from_slice(part.get(..room).unwrap_or(part));
    }
    gathered
}

/// Sorts ranges and merges the overlapping ones, so each byte is visited once however many
/// times a crafted file lists it.
fn merge_ranges(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|range| range.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// The TIFF structure inside a HEIF `Exif` item, whose payload starts with a 32-bit big-endian
/// offset from the end of that field to the TIFF header (usually 6, skipping `Exif\0\0`).
fn heic_exif_tiff(payload: &[u8]) -> Option<&[u8]> {
    let offset = usize::try_from(read_u32_be(payload, 0)?).ok()?;
    payload.get(offset.checked_add(4)?..)
}

// ---------------------------------------------------------------------------------------------
// Thumbnails
// ---------------------------------------------------------------------------------------------

/// The largest image dimension the thumbnailer decodes.
const MAX_DECODE_SIDE: u32 = 12_000;
/// The most memory a decode may allocate.
const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;
const THUMBNAIL_QUALITY: u8 = 80;

/// Makes a JPEG thumbnail whose longer side is at most `max_side` pixels (smaller images are not
/// enlarged), turned upright according to the EXIF orientation the file carries, with any
/// transparency laid onto white.
///
/// Returns `Ok(None)` for kinds that are not thumbnailed here (HEIC, PDF),
/// [`MediaError::TooLarge`] for images too large to decode safely (decompression bombs) and
/// [`MediaError::Malformed`] for images that do not decode.
pub fn thumbnail(kind: FileKind, bytes: &[u8], max_side: u32) -> Result<Option<Vec<u8>>, MediaError> {
    let format = match kind {
        FileKind::Jpeg => ImageFormat::Jpeg,
        FileKind::Png => ImageFormat::Png,
        FileKind::Webp => ImageFormat::WebP,
        FileKind::Heic | FileKind::Pdf => return Ok(None),
    };
    let image = decode_limited(kind, format, bytes)?;
    let max_side = max_side.max(1);
    // Scaling before rotating touches fewer pixels; the longer side is the same either way.
    let mut image = if image.width().max(image.height()) > max_side {
        image.thumbnail(max_side, max_side)
    } else {
        image
    };
    image.apply_orientation(embedded_orientation(kind, bytes));

    let rgb =
        flatten_onto_white(image).ok_or_else(|| malformed(kind, "its pixels could not be converted"))?;
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, THUMBNAIL_QUALITY)
        .encode_image(&rgb)
        .map_err(|e| malformed(kind, format_args!("no thumbnail could be made ({e})")))?;
    Ok(Some(jpeg))
}

/// Decodes with limits on the dimensions and the memory, so a small file claiming an enormous
/// image cannot exhaust the server.
fn decode_limited(kind: FileKind, format: ImageFormat, bytes: &[u8]) -> Result<DynamicImage, MediaError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    reader.decode().map_err(|e| match e {
        ImageError::Limits(_) => MediaError::TooLarge,
        other => malformed(kind, format_args!("it could not be decoded ({other})")),
    })
}

/// The transformation the file's EXIF Orientation asks for (none when there is no EXIF).
fn embedded_orientation(kind: FileKind, bytes: &[u8]) -> Orientation {
    embedded_exif(kind, Bytes::copy_from_slice(bytes))
        .and_then(|exif| ExifFacts::read(&exif).orientation)
        .and_then(|value| u8::try_from(value).ok())
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::NoTransforms)
}

/// 8-bit RGB for the JPEG encoder; transparent pixels are blended onto white, not black.
fn flatten_onto_white(image: DynamicImage) -> Option<RgbImage> {
    if !image.color().has_alpha() {
        return Some(image.into_rgb8());
    }
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    let blend = |channel: u8, alpha: u8| {
        let (channel, alpha) = (u32::from(channel), u32::from(alpha));
        ((channel * alpha + 255 * (255 - alpha) + 127) / 255) as u8
    };
    let pixels = rgba
        .pixels()
        .flat_map(|pixel| {
            let [r, g, b, a] = pixel.0;
            [blend(r, a), blend(g, a), blend(b, a)]
        })
        .collect();
    RgbImage::from_raw(width, height, pixels)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use exif::experimental::Writer;
    use exif::{Field, In, Rational, Tag, Value};
    use image::{ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

    use super::*;

    const MAKE: &str = "AcmeSecretPhone";
    const MODEL: &str = "Model-X-Private";
    const XMP_MARKER: &str = "xmpmeta";
    const XMP: &[u8] = b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF><rdf:Description \
        xmlns:dc=\"http://purl.org/dc/elements/1.1/\" dc:creator=\"Zhang San\"/></rdf:RDF></x:xmpmeta>";
    const COMMENT: &str = "secret-comment-text";
    const LAT: f64 = 31.0 + 14.0 / 60.0;
    const LNG: f64 = 121.0 + 28.0 / 60.0;

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    fn rationals(values: &[(u32, u32)]) -> Value {
        Value::Rational(values.iter().map(|&v| Rational::from(v)).collect())
    }

    fn ascii(s: &str) -> Value {
        Value::Ascii(vec![s.as_bytes().to_vec()])
    }

    /// A little-endian EXIF (TIFF) with the device, the orientation and a GPS position.
    fn exif_tiff(orientation: u16, lat: (&str, Value), lng: (&str, Value)) -> Vec<u8> {
        let field = |tag, value| Field {
            tag,
            ifd_num: In::PRIMARY,
            value,
        };
        let fields = [
            field(Tag::Make, ascii(MAKE)),
            field(Tag::Model, ascii(MODEL)),
            field(Tag::Orientation, Value::Short(vec![orientation])),
            field(Tag::GPSLatitudeRef, ascii(lat.0)),
            field(Tag::GPSLatitude, lat.1),
            field(Tag::GPSLongitudeRef, ascii(lng.0)),
            field(Tag::GPSLongitude, lng.1),
        ];
        let mut writer = Writer::new();
        for field in &fields {
            writer.push_field(field);
        }
        let mut out = Cursor::new(Vec::new());
        writer.write(&mut out, true).unwrap();
        out.into_inner()
    }

    /// 31°14'N 121°28'E (Shanghai), orientation 6.
    fn gps_exif(orientation: u16) -> Vec<u8> {
        exif_tiff(
            orientation,
            ("N", rationals(&[(31, 1), (14, 1), (0, 1)])),
            ("E", rationals(&[(121, 1), (28, 1), (0, 1)])),
        )
    }

    fn pattern(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            Rgb([(x * 6) as u8, (y * 12) as u8, ((x + y) * 3) as u8])
        })
    }

    fn encode(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn plain(kind: FileKind, width: u32, height: u32) -> Vec<u8> {
        let format = match kind {
            FileKind::Jpeg => ImageFormat::Jpeg,
            FileKind::Png => ImageFormat::Png,
            FileKind::Webp => ImageFormat::WebP,
            _ => unreachable!(),
        };
        encode(DynamicImage::ImageRgb8(pattern(width, height)), format)
    }

    fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut segment = vec![0xFF, marker];
        segment.extend_from_slice(&(payload.len() as u16 + 2).to_be_bytes());
        segment.extend_from_slice(payload);
        segment
    }

    /// Puts EXIF, XMP, IPTC and a comment right after the SOI marker.
    fn jpeg_with_metadata(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
        let mut iptc = b"Photoshop 3.0\08BIM\x04\x04".to_vec();
        iptc.extend_from_slice(b"secret-iptc-byline");
        let segments = [
            jpeg_segment(markers::APP1, &[EXIF_PREFIX, tiff].concat()),
            jpeg_segment(
                markers::APP1,
                &[&b"http://ns.adobe.com/xap/1.0/\0"[..], XMP].concat(),
            ),
            jpeg_segment(markers::APP13, &iptc),
            jpeg_segment(markers::COM, COMMENT.as_bytes()),
        ];
        [&jpeg[..2], &segments.concat(), &jpeg[2..]].concat()
    }

    fn png_with_metadata(png: &[u8], tiff: &[u8]) -> Vec<u8> {
        let mut png = Png::from_bytes(Bytes::copy_from_slice(png)).unwrap();
        let itxt = [&b"XML:com.adobe.xmp\0\0\0\0\0"[..], XMP].concat();
        let chunks = [
            PngChunk::new(*b"eXIf", Bytes::copy_from_slice(tiff)),
            PngChunk::new(*b"iTXt", Bytes::from(itxt)),
            PngChunk::new(*b"tEXt", Bytes::from(format!("Comment\0{COMMENT}"))),
            PngChunk::new(*b"tIME", Bytes::from_static(&[0x07, 0xE8, 1, 2, 3, 4, 5])),
        ];
        for (i, chunk) in chunks.into_iter().enumerate() {
            png.chunks_mut().insert(1 + i, chunk);
        }
        png.encoder().bytes().to_vec()
    }

    /// Turns a simple lossless WebP into the extended format with EXIF and XMP chunks.
    fn webp_with_metadata(webp: &[u8], tiff: &[u8], width: u32, height: u32) -> Vec<u8> {
        let simple = WebP::from_bytes(Bytes::copy_from_slice(webp)).unwrap();
        let image = simple.chunk_by_id(*b"VP8L").unwrap().clone();
        let mut vp8x = vec![VP8X_EXIF_FLAG | VP8X_XMP_FLAG, 0, 0, 0];
        vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
        vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
        let data = |bytes: &[u8]| RiffContent::Data(Bytes::copy_from_slice(bytes));
        let subchunks = vec![
            RiffChunk::new(WEBP_VP8X, data(&vp8x)),
            image,
            RiffChunk::new(WEBP_EXIF, data(tiff)),
            RiffChunk::new(WEBP_XMP, data(XMP)),
        ];
        let riff = RiffChunk::new(
            *b"RIFF",
            RiffContent::List {
                kind: Some(*b"WEBP"),
                subchunks,
            },
        );
        riff.encoder().bytes().to_vec()
    }

    fn with_metadata(kind: FileKind, width: u32, height: u32, tiff: &[u8]) -> Vec<u8> {
        let plain = plain(kind, width, height);
        match kind {
            FileKind::Jpeg => jpeg_with_metadata(&plain, tiff),
            FileKind::Png => png_with_metadata(&plain, tiff),
            FileKind::Webp => webp_with_metadata(&plain, tiff, width, height),
            _ => unreachable!(),
        }
    }

    const RASTER: [FileKind; 3] = [FileKind::Jpeg, FileKind::Png, FileKind::Webp];

    #[derive(Clone, Copy, Debug)]
    enum MdatHeader {
        Normal,
        Large,
        ToEnd,
    }

    /// An item of the test file: ID, type, the extra `infe` fields (content type) and payload.
    type HeicItem<'a> = (u32, &'a [u8; 4], &'a [u8], &'a [u8]);

    struct Heic {
        bytes: Vec<u8>,
        image: Range<usize>,
        exif: Range<usize>,
        xmp: Range<usize>,
    }

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        [&(body.len() as u32 + 8).to_be_bytes()[..], kind, body].concat()
    }

    fn full_bx(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
        bx(kind, &[&[version, 0, 0, 0][..], body].concat())
    }

    /// A HEIC-like file: ftyp, meta (hdlr, iinf, iloc) and an mdat with a fake image, an Exif
    /// item and an XMP item. It does not decode as an image; it only has the structure.
    fn heic(iloc_version: u8, mdat: MdatHeader) -> Heic {
        let image = b"fake-hevc-coded-image-data".to_vec();
        let exif = [&6u32.to_be_bytes()[..], EXIF_PREFIX, &gps_exif(6)].concat();
        let items: [HeicItem; 3] = [
            (1, b"hvc1", b"", &image),
            (2, b"Exif", b"", &exif),
            (3, b"mime", b"application/rdf+xml\0", XMP),
        ];
        let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
        let hdlr = full_bx(b"hdlr", 0, &[&[0u8; 4][..], b"pict", &[0u8; 12], b"\0"].concat());
        let mut iinf = 3u16.to_be_bytes().to_vec();
        for (id, kind, extra, _) in items {
            let body = [&(id as u16).to_be_bytes()[..], &[0, 0], kind, b"\0", extra].concat();
            iinf.extend(full_bx(b"infe", 2, &body));
        }
        let iinf = full_bx(b"iinf", 0, &iinf);
        let iloc = |offsets: &[usize]| {
            let id = |id: u32| {
                if iloc_version < 2 {
                    (id as u16).to_be_bytes().to_vec()
                } else {
                    id.to_be_bytes().to_vec()
                }
            };
            let mut body = vec![0x44, 0x00];
            body.extend(id(3)); // item count, same width as the IDs
            for ((item, _, _, payload), offset) in items.iter().zip(offsets) {
                body.extend(id(*item));
                if iloc_version > 0 {
                    body.extend([0, 0]); // construction method 0
                }
                body.extend([0, 0]); // data reference: this file
                body.extend(1u16.to_be_bytes());
                body.extend((*offset as u32).to_be_bytes());
                body.extend((payload.len() as u32).to_be_bytes());
            }
            full_bx(b"iloc", iloc_version, &body)
        };
        let meta =
            |offsets: &[usize]| full_bx(b"meta", 0, &[hdlr.clone(), iinf.clone(), iloc(offsets)].concat());
        let payload = [image.clone(), exif.clone(), XMP.to_vec()].concat();
        let mdat_header = match mdat {
            MdatHeader::Normal => (payload.len() as u32 + 8)
                .to_be_bytes()
                .iter()
                .chain(b"mdat")
                .copied()
                .collect(),
            MdatHeader::Large => [
                &1u32.to_be_bytes()[..],
                b"mdat",
                &(payload.len() as u64 + 16).to_be_bytes(),
            ]
            .concat(),
            MdatHeader::ToEnd => [&0u32.to_be_bytes()[..], b"mdat"].concat(),
        };
        let start = ftyp.len() + meta(&[0, 0, 0]).len() + mdat_header.len();
        let image_at = start..start + image.len();
        let exif_at = image_at.end..image_at.end + exif.len();
        let xmp_at = exif_at.end..exif_at.end + XMP.len();
        let meta = meta(&[image_at.start, exif_at.start, xmp_at.start]);
        let bytes = [ftyp, meta, mdat_header, payload].concat();
        Heic {
            bytes,
            image: image_at,
            exif: exif_at,
            xmp: xmp_at,
        }
    }

    fn decode(bytes: &[u8]) -> RgbaImage {
        image::load_from_memory(bytes).unwrap().to_rgba8()
    }

    fn assert_position(position: Option<(f64, f64)>, lat: f64, lng: f64) {
        let (got_lat, got_lng) = position.expect("a position");
        assert!(
            (got_lat - lat).abs() < 1e-6 && (got_lng - lng).abs() < 1e-6,
            "{position:?}"
        );
    }

    #[test]
    fn sniff_recognises_each_kind() {
        for kind in RASTER {
            assert_eq!(sniff(&plain(kind, 8, 8)), Some(kind));
        }
        assert_eq!(sniff(&heic(1, MdatHeader::Normal).bytes), Some(FileKind::Heic));
        assert_eq!(
            sniff(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj"),
            Some(FileKind::Pdf)
        );
        // A generic HEIF file, named by its compatible brands only.
        let heif = bx(b"ftyp", b"abcd\0\0\0\0isommif1");
        assert_eq!(sniff(&heif), Some(FileKind::Heic));
        // Garbage behind a PNG signature is still sniffed as PNG; `clean` rejects it.
        assert_eq!(sniff(&[PNG_SIGNATURE, b"garbage"].concat()), Some(FileKind::Png));
    }

    #[test]
    fn sniff_rejects_everything_else() {
        let junk: [&[u8]; 12] = [
            b"",
            b"\xFF\xD8",
            b"<!DOCTYPE html><html><body>hi</body></html>",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
            b"PK\x03\x04\x14\0\0\0\x08\0",
            b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF",
            b"RIFF\x24\0\0\0WAVEfmt ",
            b"GIF89a\x01\0\x01\0",
            // PDF only from the first byte: a polyglot with a prefix is rejected.
            b"<html>\n%PDF-1.4\n",
            // An MP4 video: ftyp without a HEIF brand.
            b"\0\0\0\x18ftypmp42\0\0\0\0isommp42",
            // An ftyp box claiming more bytes than there are.
            b"\0\0\x01\0ftypheic\0\0\0\0",
        ];
        for bytes in junk {
            assert_eq!(sniff(bytes), None, "{:?}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn file_kind_names() {
        for kind in FileKind::ALL {
            assert_eq!(FileKind::from_name(kind.name()), Some(kind));
            assert_eq!(FileKind::from_name(&kind.name().to_uppercase()), Some(kind));
            assert!(kind.content_type().contains('/'));
            assert_eq!(kind.is_image(), kind != FileKind::Pdf);
        }
        assert_eq!(FileKind::from_name("JPG"), Some(FileKind::Jpeg));
        assert_eq!(FileKind::from_name(" heif "), Some(FileKind::Heic));
        assert_eq!(FileKind::from_name("gif"), None);
        assert_eq!(FileKind::from_name(""), None);
        assert_eq!(FileKind::Jpeg.extension(), "jpg");
        assert_eq!(FileKind::Heic.content_type(), "image/heic");
        assert_eq!(FileKind::Pdf.content_type(), "application/pdf");
    }

    #[test]
    fn clean_strips_metadata_and_keeps_orientation_and_pixels() {
        for kind in RASTER {
            let original = with_metadata(kind, 40, 20, &gps_exif(6));
            let cleaned = clean(kind, original.clone()).unwrap();
            let out = &cleaned.bytes;

            assert!(cleaned.stripped, "{kind:?}");
            assert_position(cleaned.position, LAT, LNG);
            for secret in [
                MAKE,
                MODEL,
                XMP_MARKER,
                "Zhang San",
                COMMENT,
                "secret-iptc",
                "http://ns.adobe",
            ] {
                assert!(!contains(out, secret), "{kind:?} still holds {secret}");
            }
            assert_eq!(sniff(out), Some(kind));

            // Only the orientation survives.
            let exif = embedded_exif(kind, Bytes::copy_from_slice(out)).expect("an orientation EXIF");
            assert_eq!(&exif[..], &orientation_tiff(6)[..], "{kind:?}");
            assert_eq!(
                ExifFacts::read(&exif),
                ExifFacts {
                    position: None,
                    orientation: Some(6)
                }
            );

            // Same pixels, as the image data was not re-encoded.
            assert_eq!(decode(out), decode(&original), "{kind:?}");
            assert_eq!(decode(out), decode(&plain(kind, 40, 20)), "{kind:?}");
        }
    }

    #[test]
    fn clean_keeps_the_jpeg_image_data_byte_for_byte() {
        let plain = plain(FileKind::Jpeg, 40, 20);
        let cleaned = clean(FileKind::Jpeg, jpeg_with_metadata(&plain, &gps_exif(6))).unwrap();
        // Everything from the quantisation tables on is the encoder's output, unchanged.
        let tables = plain.windows(2).position(|w| w == [0xFF, markers::DQT]).unwrap();
        assert!(cleaned.bytes.ends_with(&plain[tables..]));
    }

    #[test]
    fn webp_flags_follow_the_chunks() {
        let cleaned = clean(
            FileKind::Webp,
            with_metadata(FileKind::Webp, 40, 20, &gps_exif(6)),
        )
        .unwrap();
        let webp = WebP::from_bytes(Bytes::from(cleaned.bytes)).unwrap();
        let flags = webp.chunk_by_id(WEBP_VP8X).unwrap().content().data().unwrap()[0];
        assert_eq!(flags & VP8X_EXIF_FLAG, VP8X_EXIF_FLAG);
        assert_eq!(flags & VP8X_XMP_FLAG, 0);
        assert!(!webp.has_chunk(WEBP_XMP));

        let cleaned = clean(
            FileKind::Webp,
            with_metadata(FileKind::Webp, 40, 20, &gps_exif(1)),
        )
        .unwrap();
        let webp = WebP::from_bytes(Bytes::from(cleaned.bytes)).unwrap();
        let flags = webp.chunk_by_id(WEBP_VP8X).unwrap().content().data().unwrap()[0];
        assert_eq!(flags & (VP8X_EXIF_FLAG | VP8X_XMP_FLAG), 0);
        assert!(!webp.has_chunk(WEBP_EXIF));
    }

    #[test]
    fn upright_images_keep_no_exif_at_all() {
        for kind in RASTER {
            let cleaned = clean(kind, with_metadata(kind, 16, 16, &gps_exif(1))).unwrap();
            assert!(cleaned.stripped);
            assert_position(cleaned.position, LAT, LNG);
            assert_eq!(embedded_exif(kind, Bytes::from(cleaned.bytes)), None, "{kind:?}");
        }
    }

    #[test]
    fn files_without_metadata_are_unchanged_and_cleaning_is_idempotent() {
        for kind in RASTER {
            let plain = plain(kind, 16, 16);
            let cleaned = clean(kind, plain.clone()).unwrap();
            assert!(!cleaned.stripped, "{kind:?}");
            assert_eq!(cleaned.bytes, plain);
            assert_eq!(cleaned.position, None);

            let once = clean(kind, with_metadata(kind, 16, 16, &gps_exif(6))).unwrap();
            let twice = clean(kind, once.bytes.clone()).unwrap();
            assert!(!twice.stripped, "{kind:?}");
            assert_eq!(twice.bytes, once.bytes);
        }
    }

    #[test]
    fn hemispheres_and_implausible_positions() {
        let south_west = exif_tiff(
            1,
            ("S", rationals(&[(33, 1), (52, 1), (3036, 100)])),
            ("W", rationals(&[(151, 1), (12, 1), (0, 1)])),
        );
        let facts = ExifFacts::read(&south_west);
        assert_position(
            facts.position,
            -(33.0 + 52.0 / 60.0 + 30.36 / 3600.0),
            -(151.0 + 12.0 / 60.0),
        );
        assert_eq!(facts.orientation, None);

        let zero = rationals(&[(0, 1), (0, 1), (0, 1)]);
        let null_island = exif_tiff(1, ("N", zero.clone()), ("E", zero));
        assert_eq!(ExifFacts::read(&null_island).position, None);

        let beyond = exif_tiff(
            1,
            ("N", rationals(&[(95, 1), (0, 1), (0, 1)])),
            ("E", rationals(&[(10, 1)])),
        );
        assert_eq!(ExifFacts::read(&beyond).position, None);

        let zero_denominator = exif_tiff(
            1,
            ("N", rationals(&[(31, 0), (0, 1), (0, 1)])),
            ("E", rationals(&[(10, 1)])),
        );
        assert_eq!(ExifFacts::read(&zero_denominator).position, None);

        assert_eq!(ExifFacts::read(b"Exif\0\0garbage"), ExifFacts::default());
        assert_eq!(ExifFacts::read(b""), ExifFacts::default());
    }

    #[test]
    fn a_broken_exif_is_still_removed() {
        let plain = plain(FileKind::Jpeg, 16, 16);
        let broken = [
            &plain[..2],
            &jpeg_segment(markers::APP1, b"Exif\0\0MM\0*\xFF\xFF\xFF\xFFsecret-make"),
            &plain[2..],
        ]
        .concat();
        let cleaned = clean(FileKind::Jpeg, broken).unwrap();
        assert!(cleaned.stripped);
        assert_eq!(cleaned.position, None);
        assert!(!contains(&cleaned.bytes, "secret-make"));
        assert_eq!(cleaned.bytes, plain);
    }

    #[test]
    fn jpeg_trailing_data_and_metadata_between_scans_are_removed() {
        let plain = plain(FileKind::Jpeg, 16, 16);
        let trailing = [&plain[..], b"SECRET-TRAILER"].concat();
        let cleaned = clean(FileKind::Jpeg, trailing).unwrap();
        assert!(cleaned.stripped);
        assert_eq!(cleaned.bytes, plain);

        // A comment and an APP1 after the scan header, before the end of the image (as between
        // the scans of a progressive JPEG).
        let eoi = plain.len() - 2;
        let extra = [
            jpeg_segment(markers::COM, COMMENT.as_bytes()),
            jpeg_segment(markers::APP1, XMP),
        ]
        .concat();
        let between = [&plain[..eoi], &extra, &plain[eoi..]].concat();
        let cleaned = clean(FileKind::Jpeg, between).unwrap();
        assert_eq!(cleaned.bytes, plain);
    }

    #[test]
    fn jfif_thumbnails_are_removed() {
        let plain = plain(FileKind::Jpeg, 16, 16);
        let mut jfif = b"JFIF\0\x01\x01\0\0\x01\0\x01\x01\x01".to_vec();
        jfif.extend_from_slice(&[0xAB; 3]); // a 1×1 RGB thumbnail
        let with_thumbnail = [&plain[..2], &jpeg_segment(markers::APP0, &jfif), &plain[2..]].concat();
        let cleaned = clean(FileKind::Jpeg, with_thumbnail).unwrap();
        let jpeg = Jpeg::from_bytes(Bytes::from(cleaned.bytes)).unwrap();
        let app0 = jpeg.segment_by_marker(markers::APP0).unwrap();
        assert_eq!(&app0.contents()[..], b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    }

    #[test]
    fn heic_metadata_items_are_zeroed_in_place() {
        for version in [0, 1, 2] {
            for mdat in [MdatHeader::Normal, MdatHeader::Large, MdatHeader::ToEnd] {
                let heic = heic(version, mdat);
                let cleaned = clean(FileKind::Heic, heic.bytes.clone()).unwrap();
                let out = &cleaned.bytes;
                assert!(cleaned.stripped, "{version} {mdat:?}");
                assert_eq!(out.len(), heic.bytes.len());
                assert_position(cleaned.position, LAT, LNG);
                assert!(out[heic.exif.clone()].iter().all(|&b| b == 0));
                assert!(out[heic.xmp.clone()].iter().all(|&b| b == 0));
                assert_eq!(out[heic.image.clone()], heic.bytes[heic.image.clone()]);
                assert_eq!(out[..heic.image.start], heic.bytes[..heic.image.start]);
                for secret in [MAKE, MODEL, XMP_MARKER] {
                    assert!(!contains(out, secret));
                }
                let again = clean(FileKind::Heic, cleaned.bytes.clone()).unwrap();
                assert!(!again.stripped);
                assert_eq!(again.position, None);
            }
        }
    }

    #[test]
    fn pdf_is_returned_unchanged() {
        let pdf = b"%PDF-1.4\n1 0 obj << /Author (Zhang San) >> endobj\n%%EOF\n".to_vec();
        let cleaned = clean(FileKind::Pdf, pdf.clone()).unwrap();
        assert_eq!(cleaned.bytes, pdf);
        assert!(!cleaned.stripped);
        assert_eq!(cleaned.position, None);
        assert_eq!(thumbnail(FileKind::Pdf, &pdf, 100).unwrap(), None);
    }

    fn assert_malformed(result: Result<Cleaned, MediaError>, what: &str) {
        match result {
            Err(MediaError::Malformed(message)) => assert!(!message.is_empty()),
            Err(other) => panic!("{what}: expected Malformed, got {other:?}"),
            Ok(_) => panic!("{what}: expected Malformed, got a cleaned file"),
        }
    }

    #[test]
    fn truncated_files_are_malformed() {
        let mut files: Vec<(FileKind, Vec<u8>)> = RASTER
            .iter()
            .map(|&kind| (kind, with_metadata(kind, 24, 12, &gps_exif(6))))
            .collect();
        for mdat in [MdatHeader::Normal, MdatHeader::Large, MdatHeader::ToEnd] {
            files.push((FileKind::Heic, heic(1, mdat).bytes));
        }
        for (kind, bytes) in files {
            assert!(clean(kind, bytes.clone()).is_ok());
            for len in 0..bytes.len() {
                assert_malformed(
                    clean(kind, bytes[..len].to_vec()),
                    &format!("{kind:?} cut at {len}"),
                );
            }
        }
        for len in 0..5 {
            assert_malformed(clean(FileKind::Pdf, b"%PDF-1.7"[..len].to_vec()), "PDF header");
        }
    }

    #[test]
    fn corrupted_bytes_never_panic() {
        let mut files: Vec<(FileKind, Vec<u8>)> = RASTER
            .iter()
            .map(|&kind| (kind, with_metadata(kind, 12, 6, &gps_exif(6))))
            .collect();
        files.push((FileKind::Heic, heic(2, MdatHeader::Normal).bytes));
        for (kind, bytes) in files {
            for at in 0..bytes.len() {
                for value in [0x00, 0xFF, bytes[at] ^ 0x01] {
                    let mut corrupted = bytes.clone();
                    corrupted[at] = value;
                    // Either result is fine; panicking is not.
                    let _ = clean(kind, corrupted);
                }
            }
        }
    }

    #[test]
    fn garbage_behind_a_signature_is_malformed() {
        let garbage = b"this is not an image at all, just text pretending to be one".as_slice();
        let cases: [(FileKind, Vec<u8>); 5] = [
            (FileKind::Png, [PNG_SIGNATURE, garbage].concat()),
            (FileKind::Jpeg, [&[0xFF, 0xD8, 0xFF][..], garbage].concat()),
            (FileKind::Webp, [&b"RIFF\xFF\0\0\0WEBP"[..], garbage].concat()),
            (
                FileKind::Heic,
                [&bx(b"ftyp", b"heic\0\0\0\0mif1"), garbage].concat(),
            ),
            // The right bytes for the wrong kind.
            (FileKind::Png, plain(FileKind::Jpeg, 8, 8)),
        ];
        for (kind, bytes) in cases {
            assert_malformed(clean(kind, bytes), &format!("{kind:?}"));
        }
        // A JPEG whose only "image" is a start and an end marker.
        assert_malformed(clean(FileKind::Jpeg, b"\xFF\xD8\xFF\xD9".to_vec()), "empty JPEG");
    }

    #[test]
    fn malformed_heic_structures() {
        let heic = heic(1, MdatHeader::Normal);
        let iloc = heic.bytes.windows(4).position(|w| w == b"iloc").unwrap();

        // An invalid offset size nibble.
        let mut bad_size = heic.bytes.clone();
        bad_size[iloc + 8] = 0x34;
        assert_malformed(clean(FileKind::Heic, bad_size), "offset size 3");

        // An extent beyond the end of the file.
        let mut beyond = heic.bytes.clone();
        let first_offset = iloc + 4 + 4 + 2 + 2 + 2 + 2 + 2 + 2;
        beyond[first_offset..first_offset + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_malformed(clean(FileKind::Heic, beyond), "extent beyond the file");

        // No meta box at all.
        let ftyp_len = 24;
        let no_meta = [&heic.bytes[..ftyp_len], &bx(b"free", b"nothing")[..]].concat();
        assert_malformed(clean(FileKind::Heic, no_meta), "no meta");

        // A box declaring a size smaller than its own header.
        let mut tiny = heic.bytes.clone();
        tiny[ftyp_len..ftyp_len + 4].copy_from_slice(&3u32.to_be_bytes());
        assert_malformed(clean(FileKind::Heic, tiny), "box smaller than its header");
    }

    #[test]
    fn crafted_item_lists_stay_cheap() {
        // An iloc with zero-byte fields claiming many extents per item.
        let heic = heic(1, MdatHeader::Normal);
        let iloc = heic.bytes.windows(4).position(|w| w == b"iloc").unwrap();
        let mut empty = heic.bytes.clone();
        empty[iloc + 8] = 0x00; // offset and length sizes 0
        let extent_count = iloc + 4 + 4 + 2 + 2 + 2 + 2 + 2;
        empty[extent_count..extent_count + 2].copy_from_slice(&u16::MAX.to_be_bytes());
        match clean(FileKind::Heic, empty) {
            Err(MediaError::Malformed(message)) => assert!(message.contains("empty extents"), "{message}"),
            other => panic!("expected Malformed, got {:?}", other.map(|c| c.bytes.len())),
        }

        assert_eq!(
            merge_ranges(vec![5..9, 0..2, 1..4, 8..12, 20..20]),
            vec![0..4, 5..12, 20..20]
        );
        assert_eq!(gather(b"abcdef", &[4..6, 0..3, 2..99], 4), b"efab");
    }

    fn thumbnail_size(bytes: &[u8]) -> (u32, u32) {
        assert_eq!(sniff(bytes), Some(FileKind::Jpeg));
        let image = image::load_from_memory_with_format(bytes, ImageFormat::Jpeg).unwrap();
        (image.width(), image.height())
    }

    #[test]
    fn thumbnails_fit_and_are_jpeg() {
        for kind in RASTER {
            let thumb = thumbnail(kind, &plain(kind, 200, 100), 64).unwrap().unwrap();
            assert_eq!(thumbnail_size(&thumb), (64, 32), "{kind:?}");

            // Never enlarged.
            let thumb = thumbnail(kind, &plain(kind, 40, 20), 100).unwrap().unwrap();
            assert_eq!(thumbnail_size(&thumb), (40, 20), "{kind:?}");
        }
        assert_eq!(
            thumbnail(FileKind::Heic, &heic(1, MdatHeader::Normal).bytes, 64).unwrap(),
            None
        );
    }

    #[test]
    fn thumbnails_are_upright() {
        for kind in RASTER {
            let cleaned = clean(kind, with_metadata(kind, 40, 20, &gps_exif(6))).unwrap();
            let thumb = thumbnail(kind, &cleaned.bytes, 100).unwrap().unwrap();
            assert_eq!(thumbnail_size(&thumb), (20, 40), "{kind:?}");

            let thumb = thumbnail(kind, &cleaned.bytes, 10).unwrap().unwrap();
            assert_eq!(thumbnail_size(&thumb), (5, 10), "{kind:?}");
        }
    }

    #[test]
    fn transparency_is_laid_onto_white() {
        let clear = RgbaImage::from_pixel(8, 8, Rgba([0, 0, 0, 0]));
        let png = encode(DynamicImage::ImageRgba8(clear), ImageFormat::Png);
        let thumb = thumbnail(FileKind::Png, &png, 64).unwrap().unwrap();
        let image = image::load_from_memory(&thumb).unwrap().to_rgb8();
        assert!(
            image.pixels().all(|p| p.0.iter().all(|&c| c > 245)),
            "{:?}",
            image.get_pixel(0, 0)
        );
    }

    #[test]
    fn decompression_bombs_are_too_large() {
        // A real 1×1 PNG whose header claims 20000×20000 pixels.
        let small = plain(FileKind::Png, 1, 1);
        let mut png = Png::from_bytes(Bytes::from(small)).unwrap();
        let mut ihdr = png.chunk_by_type(*b"IHDR").unwrap().contents().to_vec();
        ihdr[..4].copy_from_slice(&20_000u32.to_be_bytes());
        ihdr[4..8].copy_from_slice(&20_000u32.to_be_bytes());
        png.chunks_mut()[0] = PngChunk::new(*b"IHDR", Bytes::from(ihdr));
        let bomb = png.encoder().bytes().to_vec();
        assert!(matches!(
            thumbnail(FileKind::Png, &bomb, 64),
            Err(MediaError::TooLarge)
        ));

        // A JPEG whose frame header claims 60000×60000 pixels.
        let mut jpeg = plain(FileKind::Jpeg, 8, 8);
        let sof = jpeg.windows(2).position(|w| w == [0xFF, markers::SOF0]).unwrap();
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        assert!(matches!(
            thumbnail(FileKind::Jpeg, &jpeg, 64),
            Err(MediaError::TooLarge)
        ));
    }

    #[test]
    fn undecodable_images_are_malformed() {
        for kind in RASTER {
            let mut bytes = plain(kind, 16, 16);
            let half = bytes.len() / 2;
            bytes.truncate(half);
            match thumbnail(kind, &bytes, 64) {
                Err(MediaError::Malformed(_)) => {}
                other => panic!("{kind:?}: {:?}", other.map(|t| t.map(|t| t.len()))),
            }
        }
    }
}
