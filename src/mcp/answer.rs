//! Tool answers written once. rmcp's own `Json<T>` turns a result into a `serde_json::Value`
//! tree and then prints that tree as the text copy; for a 20,000-item listing the tree alone is
//! several times the answer's size. On stdio a tool's output is serialized once instead: the
//! result rmcp sees carries two short marks, and the stdio front ([`Splicer`]) writes the held
//! JSON in their place, raw for `structuredContent` and as a string for the text copy. Other
//! transports keep rmcp's way.

use std::{
    collections::VecDeque,
    hash::BuildHasher,
    ops::Range,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use rmcp::{
    ErrorData,
    handler::server::tool::IntoCallToolResult,
    model::{CallToolResponse, CallToolResult, ContentBlock},
};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::{FastMap, redact::Redactor};

/// A tool's structured output. Named `Json` like rmcp's, which is what the `#[tool]` macro looks
/// for to derive the output schema from `T`.
pub struct Json<T>(pub T);

tokio::task_local! {
    /// Set while a stdio tool call runs: where its answer is held until written.
    static HELD: Answers;
}

impl<T: Serialize + JsonSchema + 'static> IntoCallToolResult for Json<T> {
    fn into_call_tool_result(self) -> Result<CallToolResponse, ErrorData> {
        if let Ok(Some(result)) = HELD.try_with(|answers| answers.hold(&self.0)) {
            return Ok(result.into());
        }
        let value = serde_json::to_value(self.0).map_err(|e| {
            ErrorData::internal_error(format!("the result could not be written: {e}"), None)
        })?;
        Ok(CallToolResult::structured(value).into())
    }
}

/// Answers serialized but not yet written, shared by the server and the stdio front.
#[derive(Clone)]
pub struct Answers(Arc<Inner>);

struct Inner {
    /// Random per process, so no backend text can pass for a mark.
    prefix: String,
    next: AtomicU64,
    held: Mutex<FastMap<u64, Held>>,
    redactor: Redactor,
}

struct Held {
    json: Arc<String>,
    /// Marks not yet written (the text copy and the structured content).
    marks: u8,
    since: Instant,
}

/// An answer whose call was cancelled before rmcp wrote it is dropped after this long.
const FORGOTTEN: Duration = Duration::from_secs(120);

/// Text copy or structured content.
const TEXT: u8 = b't';
const STRUCTURED: u8 = b's';

impl Answers {
    pub fn new(redactor: Redactor) -> Self {
        let nonce = std::hash::RandomState::new().hash_one(0u8);
        Answers(Arc::new(Inner {
            prefix: format!("plex-mcp-answer:{nonce:016x}:"),
            next: AtomicU64::new(0),
            held: Mutex::new(FastMap::default()),
            redactor,
        }))
    }

    /// Runs a tool call so that its `Json` answer is held here.
    pub async fn scope<F: Future>(&self, call: F) -> F::Output {
        HELD.scope(self.clone(), call).await
    }

    /// The result that stands for `output`, which is held; `None` to let rmcp write it instead:
    /// when it holds a secret (redaction then works on the parsed value) or does not serialize.
    fn hold(&self, output: &impl Serialize) -> Option<CallToolResult> {
        let json = serde_json::to_string(output).ok()?;
        if self.0.redactor.holds_secret(&json) {
            return None;
        }
        let id = self.0.next.fetch_add(1, Ordering::Relaxed);
        let mut held = crate::lock(&self.0.held);
        held.retain(|_, h| h.since.elapsed() < FORGOTTEN);
        held.insert(
            id,
            Held {
                json: Arc::new(json),
                marks: 2,
                since: Instant::now(),
            },
        );
        let mark = |kind: u8| format!("{}{}{id}", self.0.prefix, kind as char);
        let mut result = CallToolResult::success(vec![ContentBlock::text(mark(TEXT))]);
        // An object: rmcp moves other structured values into the text for older clients.
        let mut stand_in = serde_json::Map::new();
        stand_in.insert(mark(STRUCTURED), Value::Bool(true));
        result.structured_content = Some(Value::Object(stand_in));
        Some(result)
    }

    fn pending(&self) -> bool {
        !crate::lock(&self.0.held).is_empty()
    }

    /// The held answer `id`, forgotten once both its marks are written.
    fn take(&self, id: u64) -> Option<Arc<String>> {
        let mut held = crate::lock(&self.0.held);
        let entry = held.get_mut(&id)?;
        let json = entry.json.clone();
        entry.marks -= 1;
        if entry.marks == 0 {
            held.remove(&id);
        }
        Some(json)
    }
}

/// What the stdio front writes for one piece of rmcp's output.
pub enum Segment {
    Bytes(Vec<u8>),
    /// A held answer as is.
    Raw(Arc<String>),
    /// A held answer as a JSON string.
    Quoted(Arc<String>),
}

/// Replaces the marks in rmcp's output with the answers they stand for. rmcp's output arrives
/// in pieces; a mark cut by a piece's end is kept back until the next.
pub struct Splicer {
    answers: Answers,
    /// A mark's opening quote and prefix.
    mark: memchr::memmem::Finder<'static>,
    carry: Vec<u8>,
}

/// Longer than any mark.
const LONGEST_MARK: usize = 96;
/// What comes before a mark: the text's key, or the structured content's key and brace.
const TEXT_KEY: &[u8] = b"\"text\":";
const STRUCTURED_KEY: &[u8] = b"\"structuredContent\":{";
const KEY_ROOM: usize = STRUCTURED_KEY.len();

impl Splicer {
    pub fn new(answers: Answers) -> Self {
        let mark = format!("\"{}", answers.0.prefix);
        Splicer {
            mark: memchr::memmem::Finder::new(mark.as_bytes()).into_owned(),
            answers,
            carry: Vec::new(),
        }
    }

    /// The segments to write for `piece`; `ends` when the piece ends a message.
    pub fn splice(&mut self, piece: &[u8], ends: bool) -> VecDeque<Segment> {
        let mut out = VecDeque::new();
        if self.carry.is_empty() && !self.answers.pending() {
            out.push_back(Segment::Bytes(piece.to_vec()));
            return out;
        }
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(piece);
        // A mark starting before `whole` ends inside this piece; one starting later may be cut.
        let whole = if ends {
            bytes.len()
        } else {
            bytes.len().saturating_sub(LONGEST_MARK)
        };
        let (mut start, mut from) = (0, 0);
        while let Some(at) = self.mark.find(&bytes[from..]).map(|i| from + i) {
            if at >= whole {
                break;
            }
            from = at + self.mark.needle().len();
            let Some((kind, id, span)) = parse_mark(&bytes, at, from) else {
                continue;
            };
            let Some(json) = self.answers.take(id) else {
                continue;
            };
            out.push_back(Segment::Bytes(bytes[start..span.start].to_vec()));
            out.push_back(if kind == TEXT {
                Segment::Quoted(json)
            } else {
                Segment::Raw(json)
            });
            (start, from) = (span.end, span.end);
        }
        // The key before a mark that starts later stays with it.
        let cut = if ends {
            bytes.len()
        } else {
            whole.saturating_sub(KEY_ROOM).max(start)
        };
        out.push_back(Segment::Bytes(bytes[start..cut].to_vec()));
        self.carry = bytes[cut..].to_vec();
        out
    }
}

/// The mark whose opening quote is at `quote` and whose prefix ends at `from`: its kind, id and
/// the bytes it spans, the text's string (`"text":"…"`) or the whole stand-in object
/// (`"structuredContent":{"…":true}`). A quote inside a JSON string always follows a
/// backslash, so neither shape can come from a string's contents.
fn parse_mark(bytes: &[u8], quote: usize, from: usize) -> Option<(u8, u64, Range<usize>)> {
    let kind = *bytes.get(from)?;
    let (key, tail): (&[u8], &[u8]) = match kind {
        TEXT => (TEXT_KEY, b"\""),
        STRUCTURED => (STRUCTURED_KEY, b"\":true}"),
        _ => return None,
    };
    if !bytes[..quote].ends_with(key) {
        return None;
    }
    let digits = bytes[from + 1..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let after = from + 1 + digits;
    let id = std::str::from_utf8(&bytes[from + 1..after])
        .ok()?
        .parse()
        .ok()?;
    let end = after + tail.len();
    let start = if kind == TEXT { quote } else { quote - 1 };
    (bytes.get(after..end)? == tail).then_some((kind, id, start..end))
}

/// A held answer in pieces of at most about `size` bytes of it, cut between characters: as is,
/// or `quoted` as a JSON string.
pub fn pieces(json: Arc<String>, quoted: bool, size: usize) -> impl Iterator<Item = Vec<u8>> {
    let (mut at, mut started) = (0, false);
    std::iter::from_fn(move || {
        let rest = &json[at..];
        if rest.is_empty() && started {
            return None;
        }
        let mut cut = rest.floor_char_boundary(size);
        if cut == 0 {
            cut = rest.ceil_char_boundary(1);
        }
        let now = &rest[..cut];
        let piece = if quoted {
            let mut piece = serde_json::to_vec(now).expect("a string always serializes");
            // serde_json quotes every piece; the whole answer has one pair.
            if cut < rest.len() {
                piece.pop();
            }
            if started {
                piece.remove(0);
            }
            piece
        } else {
            now.as_bytes().to_vec()
        };
        (at, started) = (at + cut, true);
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the front writes for `message` fed in pieces of `size` bytes.
    fn spliced(answers: &Answers, message: &[u8], size: usize) -> String {
        let mut splicer = Splicer::new(answers.clone());
        let mut written = Vec::new();
        let pieces: Vec<&[u8]> = message.chunks(size).collect();
        for (i, piece) in pieces.iter().enumerate() {
            for segment in splicer.splice(piece, i + 1 == pieces.len()) {
                match segment {
                    Segment::Bytes(b) => written.extend(b),
                    Segment::Raw(json) => pieces_of(json, false, &mut written),
                    Segment::Quoted(json) => pieces_of(json, true, &mut written),
                }
            }
        }
        String::from_utf8(written).unwrap()
    }

    fn pieces_of(json: Arc<String>, quoted: bool, into: &mut Vec<u8>) {
        pieces(json, quoted, 7).for_each(|p| into.extend(p));
    }

    #[derive(Serialize, JsonSchema)]
    struct Out {
        title: String,
        n: u32,
    }

    /// What a tool answering `title` gives rmcp while `answers` holds its answers.
    async fn answered(answers: &Answers, title: &str) -> CallToolResult {
        let out = Out {
            title: title.into(),
            n: 7,
        };
        match answers
            .scope(async { Json(out).into_call_tool_result() })
            .await
        {
            Ok(CallToolResponse::Complete(result)) => result,
            _ => panic!("a complete result"),
        }
    }

    #[tokio::test]
    async fn a_held_answer_is_written_once_in_place_of_its_marks_however_rmcp_cuts_it() {
        let title = "Amélie \"say\" \\ 東京 \u{1}";
        let expected = serde_json::json!({"title": title, "n": 7});
        for size in [1, 2, 5, 13, 64, 4096] {
            let answers = Answers::new(Redactor::default());
            let message = serde_json::to_vec(&answered(&answers, title).await).unwrap();
            assert!(message.len() < 200, "rmcp sees only the marks");
            let written = spliced(&answers, &message, size);
            let written: Value = serde_json::from_str(&written).unwrap();
            assert_eq!(written["structuredContent"], expected, "cut every {size}");
            let text = written["content"][0]["text"].as_str().unwrap();
            assert_eq!(serde_json::from_str::<Value>(text).unwrap(), expected);
            assert_eq!(written["isError"], false);
            assert!(!answers.pending(), "forgotten once written");
        }
    }

    #[tokio::test]
    async fn text_that_looks_like_a_mark_is_left_as_it_is() {
        let answers = Answers::new(Redactor::default());
        let result = answered(&answers, "x").await;
        let mark = result.content[0].as_text().unwrap().text.clone();
        // The same mark inside a string (a title a backend made up) and as an object's value.
        let message = serde_json::to_vec(&serde_json::json!({
            "quoted": format!("say \"{mark}\""),
            "value": {"nested": mark},
        }))
        .unwrap();
        assert_eq!(spliced(&answers, &message, 9).as_bytes(), message);
        assert!(answers.pending(), "nothing was written");
    }

    #[tokio::test]
    async fn an_answer_holding_a_secret_is_left_to_rmcp_and_redaction() {
        let redactor = Redactor::default();
        redactor.add("sekrit-token-123");
        let answers = Answers::new(redactor);
        let result = answered(&answers, "a sekrit-token-123 b").await;
        assert_eq!(
            result.structured_content.unwrap()["title"],
            "a sekrit-token-123 b"
        );
        assert!(!answers.pending());
    }

    #[test]
    fn quoted_pieces_join_to_the_json_string() {
        let text = "a\"b\\c\n東京é\u{1F600}x".repeat(5);
        for size in 1..12 {
            let joined: Vec<u8> = pieces(Arc::new(text.clone()), true, size)
                .flatten()
                .collect();
            assert_eq!(
                String::from_utf8(joined).unwrap(),
                serde_json::to_string(&text).unwrap()
            );
        }
        let empty: Vec<u8> = pieces(Arc::new(String::new()), true, 4).flatten().collect();
        assert_eq!(empty, b"\"\"");
    }
}
