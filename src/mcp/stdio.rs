//! The stdio transport with a front that answers what rmcp would drop in silence: each line from
//! standard input is checked ([`check_message`]) and forwarded to rmcp only when it is a
//! message; a line that is not JSON, not a JSON-RPC object, a tool call with non-object
//! `arguments`, or longer than [`MAX_LINE`] gets its JSON-RPC error on standard output instead.
//! One task owns standard output, so refusals and rmcp's answers never interleave mid-line.

use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream},
    sync::mpsc,
};

use super::jsonrpc::{Refusal, check_message};

/// The longest message accepted, as over HTTP.
pub const MAX_LINE: usize = super::http::MAX_BODY_BYTES;
const PIPE: usize = 64 * 1024;

/// The (reader, writer) pair rmcp serves on, fed from `input` and writing to `output`.
pub fn transport(
    input: impl AsyncRead + Unpin + Send + 'static,
    output: impl AsyncWrite + Unpin + Send + 'static,
) -> (DuplexStream, DuplexStream) {
    let (server_in, feed) = tokio::io::duplex(PIPE);
    let (server_out, drain) = tokio::io::duplex(PIPE);
    let (lines, outgoing) = mpsc::unbounded_channel::<Vec<u8>>();
    tokio::spawn(write_lines(output, outgoing));
    tokio::spawn(forward_answers(drain, lines.clone()));
    tokio::spawn(read_requests(input, feed, lines));
    (server_in, server_out)
}

async fn write_lines(
    mut output: impl AsyncWrite + Unpin,
    mut lines: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    while let Some(line) = lines.recv().await {
        if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
            return;
        }
    }
}

/// rmcp's answers, a line at a time, to the output task.
async fn forward_answers(drain: DuplexStream, lines: mpsc::UnboundedSender<Vec<u8>>) {
    let mut drain = BufReader::new(drain);
    loop {
        let mut line = Vec::new();
        match drain.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                if lines.send(line).is_err() {
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
    lines: mpsc::UnboundedSender<Vec<u8>>,
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
                if lines.send(answer).is_err() {
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
