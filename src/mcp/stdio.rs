//! The stdio transport with a front that answers what rmcp would drop in silence: each line from
//! standard input is checked ([`check_message`]) and forwarded to rmcp only when it is a
//! message; a line that is not JSON, not a JSON-RPC object, a tool call with non-object
//! `arguments`, or longer than [`MAX_LINE`] gets its JSON-RPC error on standard output instead.
//! One task owns standard output, so refusals and rmcp's answers never interleave mid-line.

use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream},
    sync::mpsc,
};

use super::{
    answer::{Answers, Segment, Splicer, pieces},
    jsonrpc::{Refusal, check_message},
};

/// The longest message accepted, as over HTTP.
pub const MAX_LINE: usize = super::http::MAX_BODY_BYTES;
const PIPE: usize = 64 * 1024;
/// A held answer goes out in pieces this large: each is one write by tokio's blocking stdout,
/// so fewer pieces are fewer hand-offs to its thread.
const ANSWER_PIECE: usize = 256 * 1024;
/// Standard output's pipe capacity asked of the kernel: a 6 MB answer in one ping-pong with the
/// client per megabyte rather than per 64 KB (the default), which a Python client pays most for.
#[cfg(target_os = "linux")]
const STDOUT_PIPE: libc::c_int = 1 << 20;

/// Widens standard output's pipe to [`STDOUT_PIPE`] when it is a pipe; on anything else, or
/// past the system's limit (`/proc/sys/fs/pipe-max-size`), it stays as it is.
pub fn widen_stdout() {
    #[cfg(target_os = "linux")]
    // SAFETY: F_SETPIPE_SZ only resizes the pipe's kernel buffer; on a descriptor that is not
    // a pipe it fails with EBADF and changes nothing.
    unsafe {
        libc::fcntl(libc::STDOUT_FILENO, libc::F_SETPIPE_SZ, STDOUT_PIPE);
    }
}

/// The (reader, writer) pair rmcp serves on, fed from `input` and writing to `output`, with the
/// tool answers held in `answers` written in place of their marks.
pub fn transport(
    input: impl AsyncRead + Unpin + Send + 'static,
    output: impl AsyncWrite + Unpin + Send + 'static,
    answers: Answers,
) -> (DuplexStream, DuplexStream) {
    let (server_in, feed) = tokio::io::duplex(PIPE);
    let (server_out, drain) = tokio::io::duplex(PIPE);
    // Bounded: a client that reads slowly holds rmcp's writer back instead of our memory.
    let (out, outgoing) = mpsc::channel::<Out>(16);
    tokio::spawn(write_out(output, outgoing));
    tokio::spawn(forward_answers(drain, Splicer::new(answers), out.clone()));
    tokio::spawn(read_requests(input, feed, out));
    (server_in, server_out)
}

/// What the output task writes: a piece of one of rmcp's answers (`ends` when it completes the
/// line), or a whole refusal line.
enum Out {
    Answer { bytes: Vec<u8>, ends: bool },
    Refusal(Vec<u8>),
}

/// Answers pass through as they come, piece by piece (a 20,000-item answer is never held whole
/// here); a refusal that arrives mid-answer waits for the answer's line to end.
async fn write_out(mut output: impl AsyncWrite + Unpin, mut outgoing: mpsc::Receiver<Out>) {
    let (mut mid_answer, mut held) = (false, Vec::new());
    while let Some(out) = outgoing.recv().await {
        let mut pieces = match out {
            Out::Refusal(line) if mid_answer => {
                held.push(line);
                continue;
            }
            Out::Refusal(line) => vec![line],
            Out::Answer { bytes, ends } => {
                mid_answer = !ends;
                let mut pieces = vec![bytes];
                if ends {
                    pieces.append(&mut held);
                }
                pieces
            }
        };
        for piece in pieces.drain(..) {
            if output.write_all(&piece).await.is_err() {
                return;
            }
        }
        if output.flush().await.is_err() {
            return;
        }
    }
}

/// rmcp's answers, in pieces of at most [`PIPE`] bytes (held answers [`ANSWER_PIECE`]), to the
/// output task.
async fn forward_answers(drain: DuplexStream, mut splicer: Splicer, out: mpsc::Sender<Out>) {
    let mut drain = BufReader::with_capacity(PIPE, drain);
    loop {
        let (segments, read, ends) = match drain.fill_buf().await {
            Ok([]) | Err(_) => return,
            Ok(buf) => {
                let (piece, ends) = match buf.iter().position(|b| *b == b'\n') {
                    Some(i) => (&buf[..=i], true),
                    None => (buf, false),
                };
                (splicer.splice(piece, ends), piece.len(), ends)
            }
        };
        drain.consume(read);
        let last = segments.len().saturating_sub(1);
        for (i, segment) in segments.into_iter().enumerate() {
            let parts: Box<dyn Iterator<Item = Vec<u8>> + Send> = match segment {
                Segment::Bytes(bytes) => Box::new(std::iter::once(bytes)),
                Segment::Raw(json) => Box::new(pieces(json, false, ANSWER_PIECE)),
                Segment::Quoted(json) => Box::new(pieces(json, true, ANSWER_PIECE)),
            };
            let mut parts = parts.peekable();
            while let Some(bytes) = parts.next() {
                let ends = ends && i == last && parts.peek().is_none();
                if out.send(Out::Answer { bytes, ends }).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Standard input, a line at a time: messages to rmcp, refusals to the output task. End of
/// input closes rmcp's input, which ends the session.
async fn read_requests(
    input: impl AsyncRead + Unpin,
    mut feed: DuplexStream,
    out: mpsc::Sender<Out>,
) {
    let mut input = BufReader::new(input);
    loop {
        let line = match read_bounded_line(&mut input, MAX_LINE).await {
            Ok(Some(line)) => line,
            Ok(None) | Err(_) => return,
        };
        let checked = match line {
            Line::TooLong => Err(Refusal::TooLarge(MAX_LINE)),
            Line::Text(text) if text.iter().all(u8::is_ascii_whitespace) => continue,
            Line::Text(text) => check_message(&text).map(|_| text),
        };
        match checked {
            Ok(mut text) => {
                text.push(b'\n');
                if feed.write_all(&text).await.is_err() {
                    return;
                }
            }
            Err(refusal) => {
                tracing::debug!("refused a stdio line: {}", refusal.to_json());
                let mut answer = refusal.to_json().to_string().into_bytes();
                answer.push(b'\n');
                if out.send(Out::Refusal(answer)).await.is_err() {
                    return;
                }
            }
        }
    }
}

enum Line {
    Text(Vec<u8>),
    /// Longer than allowed; its bytes were read and dropped.
    TooLong,
}

/// The next line without its newline, reading at most `max` bytes into memory; `None` at the
/// end of input.
async fn read_bounded_line(
    input: &mut (impl AsyncBufReadExt + Unpin),
    max: usize,
) -> std::io::Result<Option<Line>> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let buf = input.fill_buf().await?;
        if buf.is_empty() {
            return Ok((!line.is_empty() || too_long).then_some(if too_long {
                Line::TooLong
            } else {
                Line::Text(line)
            }));
        }
        let (chunk, found) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if !too_long {
            if line.len() + chunk.len() > max {
                too_long = true;
                line = Vec::new();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let used = found.unwrap_or(buf.len());
        input.consume(used);
        if found.is_some() {
            return Ok(Some(if too_long {
                Line::TooLong
            } else {
                Line::Text(line)
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refusal_never_lands_inside_an_answer() {
        let (tx, rx) = mpsc::channel(8);
        let answer = |text: &str, ends| Out::Answer {
            bytes: text.as_bytes().to_vec(),
            ends,
        };
        for out in [
            answer("{\"id\":1,", false),
            Out::Refusal(b"refused\n".to_vec()),
            answer("\"result\":{}}\n", true),
            Out::Refusal(b"again\n".to_vec()),
        ] {
            tx.send(out).await.unwrap();
        }
        drop(tx);
        let mut written = Vec::new();
        write_out(&mut written, rx).await;
        assert_eq!(
            String::from_utf8(written).unwrap(),
            "{\"id\":1,\"result\":{}}\nrefused\nagain\n"
        );
    }

    #[tokio::test]
    async fn lines_are_read_whole_or_refused_when_too_long() {
        let data = b"short\n0123456789abcdef\n\nlast".to_vec();
        let mut input = BufReader::with_capacity(4, &data[..]);
        let mut got = Vec::new();
        while let Some(line) = read_bounded_line(&mut input, 10).await.unwrap() {
            got.push(match line {
                Line::Text(t) => String::from_utf8(t).unwrap(),
                Line::TooLong => "<too long>".into(),
            });
        }
        assert_eq!(got, ["short", "<too long>", "", "last"]);
    }
}
