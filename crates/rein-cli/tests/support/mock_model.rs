//! A scripted stand-in for the Anthropic Messages API, served on 127.0.0.1.
//!
//! The real Claude Code CLI is pointed at it with `ANTHROPIC_BASE_URL`, so the real binary runs the
//! scripted tool calls and fires its real hooks, fully offline. The server "plays the model": each
//! conversation follows a script of [`Turn`]s chosen by a substring of its first user message, and the
//! turn to answer is the number of assistant messages already in the request. The server keeps no
//! per-conversation state, so client retries and `--resume` are harmless.
//!
//! What Claude Code 2.1.197 sends in `-p` mode: one `HEAD /` at start-up, then only
//! `POST /v1/messages?beta=true` with `"stream": true`, `tools`, `thinking` and a default model of
//! `claude-opus-4-8`. The first user message starts with a `<system-reminder>` text block before the
//! prompt (hence substring matching), and `messages` may also hold `system`-role entries (hence
//! counting only `assistant` ones). A text block and a tool call of one turn come back merged in one
//! assistant message, so they count once.
//!
//! It is a deliberately tiny HTTP/1.1 server on `std::net` (a thread per connection, one request per
//! connection, `Connection: close`, every response with a `Content-Length`), bounded in size and
//! time so a confused client can never hang a test. Bad input gets a 4xx answer, never a panic.

#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// Largest request body accepted; Claude Code's requests carry the whole conversation plus tool
/// schemas, which stays far below this in tests.
const MAX_BODY: usize = 32 * 1024 * 1024;
/// Largest request head (request line plus headers).
const MAX_HEAD: usize = 64 * 1024;
/// A request must arrive completely within this time after the connection is accepted.
const REQUEST_DEADLINE: Duration = Duration::from_secs(30);
/// Bound on a single blocking read or write on a connection.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Answer given when the script has no turn for a request.
const DONE_TEXT: &str = "done.";

/// One content block of a scripted assistant message.
#[derive(Debug, Clone)]
pub enum Block {
    /// Plain text, streamed as `text_delta`s.
    Text(String),
    /// A tool call, streamed as `input_json_delta`s. Paths in `input` (e.g. `file_path`) must be
    /// absolute: the CLI rejects relative ones.
    ToolUse { name: String, input: Value },
}

/// One scripted assistant message. It ends with `stop_reason: "tool_use"` if it holds a tool call,
/// else `"end_turn"` (which ends a `-p` run).
#[derive(Debug, Clone)]
pub struct Turn {
    pub blocks: Vec<Block>,
}

impl Turn {
    /// A text-only message: the model is done.
    pub fn text(text: impl Into<String>) -> Turn {
        Turn {
            blocks: vec![Block::Text(text.into())],
        }
    }

    /// A message with a single tool call.
    pub fn tool(name: impl Into<String>, input: Value) -> Turn {
        Turn {
            blocks: vec![Block::ToolUse {
                name: name.into(),
                input,
            }],
        }
    }

    /// A message with several tool calls, which the CLI runs as one batch.
    pub fn tools<N: Into<String>>(calls: Vec<(N, Value)>) -> Turn {
        Turn {
            blocks: calls
                .into_iter()
                .map(|(name, input)| Block::ToolUse {
                    name: name.into(),
                    input,
                })
                .collect(),
        }
    }

    /// Prepends a text block, as a real model often "thinks aloud" before a tool call.
    pub fn with_text(mut self, text: impl Into<String>) -> Turn {
        self.blocks.insert(0, Block::Text(text.into()));
        self
    }

    fn stop_reason(&self) -> &'static str {
        if self
            .blocks
            .iter()
            .any(|b| matches!(b, Block::ToolUse { .. }))
        {
            "tool_use"
        } else {
            "end_turn"
        }
    }
}

/// The tool-use id for block `block` of turn `turn` of script `script`.
///
/// Deterministic, so tests can predict it, and shaped like a real id (`toolu_01` plus 22 characters).
/// Two conversations that follow the same script get the same ids.
pub fn tool_use_id(script: usize, turn: usize, block: usize) -> String {
    format!(
        "toolu_01{:08x}{:08x}{:06x}",
        script & 0xffff_ffff,
        turn & 0xffff_ffff,
        block & 0xff_ffff
    )
}

/// A `tool_result` block the CLI sent back to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    pub tool_use_id: String,
    /// The result's text; text blocks of a list-valued `content` are joined with newlines.
    pub text: String,
    pub is_error: bool,
}

/// A running mock server. Dropping it stops the server and joins all of its threads.
pub struct MockModel {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    scripts: Vec<(String, Vec<Turn>)>,
    stopping: AtomicBool,
    /// Every parseable `POST /v1/messages` body, in arrival order.
    requests: Mutex<Vec<Value>>,
    /// One line per HTTP request, for debugging failed tests.
    log: Mutex<Vec<String>>,
    /// Requests that no script explains (bad input, unknown routes, unmatched prompts).
    unexpected: Mutex<Vec<String>>,
    /// Open connections, kept so `Drop` can shut them down and join their threads.
    conns: Mutex<Vec<(TcpStream, JoinHandle<()>)>>,
}

impl MockModel {
    /// Starts a server on an ephemeral port of 127.0.0.1.
    ///
    /// `scripts` pairs a prompt substring with the turns of the conversation whose first user
    /// message contains it; the first matching pair wins. Turn `n` answers a request that already
    /// holds `n` assistant messages. Past the end of a script, or when nothing matches, the answer is
    /// a text-only `end_turn` ("done."). A conversation continued with `--resume` keeps its first
    /// message, so one script can cover several runs: put a text turn where each run should end.
    pub fn start(scripts: Vec<(String, Vec<Turn>)>) -> io::Result<MockModel> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            scripts,
            stopping: AtomicBool::new(false),
            requests: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            unexpected: Mutex::new(Vec::new()),
            conns: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("mock-model-accept".into())
                .spawn(move || accept_loop(listener, shared))?
        };
        Ok(MockModel {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The value for `ANTHROPIC_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every `POST /v1/messages` body received so far, in arrival order (side requests included).
    pub fn requests(&self) -> Vec<Value> {
        lock(&self.shared.requests).clone()
    }

    /// One line per HTTP request received (method, target, and what was answered).
    pub fn log(&self) -> Vec<String> {
        lock(&self.shared.log).clone()
    }

    /// Requests the scripts do not explain: bad requests, unknown routes, prompts matching no script.
    pub fn unexpected(&self) -> Vec<String> {
        lock(&self.shared.unexpected).clone()
    }

    /// Every distinct `tool_result` the CLI sent back to the model, in first-seen order.
    ///
    /// Each request repeats the whole conversation, so results are deduplicated by id.
    pub fn tool_results(&self) -> Vec<ToolResult> {
        let mut out: Vec<ToolResult> = Vec::new();
        for request in lock(&self.shared.requests).iter() {
            for message in request["messages"].as_array().into_iter().flatten() {
                for block in message["content"].as_array().into_iter().flatten() {
                    if block["type"] != "tool_result" {
                        continue;
                    }
                    let id = block["tool_use_id"].as_str().unwrap_or_default();
                    if out.iter().any(|r| r.tool_use_id == id) {
                        continue;
                    }
                    out.push(ToolResult {
                        tool_use_id: id.to_owned(),
                        text: content_text(&block["content"]),
                        is_error: block["is_error"].as_bool().unwrap_or(false),
                    });
                }
            }
        }
        out
    }

    /// The result of the tool call with this id, if the CLI has sent it back.
    pub fn tool_result(&self, tool_use_id: &str) -> Option<ToolResult> {
        self.tool_results()
            .into_iter()
            .find(|r| r.tool_use_id == tool_use_id)
    }
}

impl Drop for MockModel {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Unblock `accept` with a connection of our own; the loop sees the flag and exits.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let conns = std::mem::take(&mut *lock(&self.shared.conns));
        for (stream, _) in &conns {
            let _ = stream.shutdown(Shutdown::Both);
        }
        for (_, handle) in conns {
            let _ = handle.join();
        }
    }
}

/// Locks a mutex, ignoring poisoning: the data is append-only logs, still valid after a panic.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let stream = match conn {
            Ok(stream) => stream,
            Err(e) => {
                lock(&shared.unexpected).push(format!("accept failed: {e}"));
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let Ok(kept) = stream.try_clone() else {
            continue;
        };
        let worker = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("mock-model-conn".into())
                .spawn(move || handle_connection(stream, &shared))
        };
        if let Ok(worker) = worker {
            let mut conns = lock(&shared.conns);
            conns.retain(|(_, handle)| !handle.is_finished());
            conns.push((kept, worker));
        }
    }
}

/// An HTTP error answered to the client instead of a normal response.
struct HttpError {
    status: u16,
    message: String,
}

impl HttpError {
    fn new(status: u16, message: impl Into<String>) -> HttpError {
        HttpError {
            status,
            message: message.into(),
        }
    }
}

struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn path(&self) -> &str {
        self.target.split(['?', '#']).next().unwrap_or_default()
    }
}

struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Response {
    fn json(status: u16, value: &Value) -> Response {
        Response {
            status,
            content_type: "application/json",
            body: value.to_string().into_bytes(),
        }
    }

    /// An error in the Messages API's shape, so the client reports it readably.
    fn error(status: u16, message: &str) -> Response {
        let kind = match status {
            404 => "not_found_error",
            413 => "request_too_large",
            _ => "invalid_request_error",
        };
        Response::json(
            status,
            &json!({"type": "error", "error": {"type": kind, "message": message}}),
        )
    }
}

fn handle_connection(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let mut reader = ConnReader::new(&stream, Instant::now() + REQUEST_DEADLINE);
    let (response, is_head) = match reader.read_request() {
        Ok(None) => return, // closed without a request, e.g. the wake-up connection from `Drop`
        Ok(Some(request)) => {
            let is_head = request.method == "HEAD";
            (route(&request, shared), is_head)
        }
        Err(e) => {
            lock(&shared.unexpected).push(format!("bad request ({}): {}", e.status, e.message));
            lock(&shared.log).push(format!("<bad request> -> {} {}", e.status, e.message));
            (Response::error(e.status, &e.message), false)
        }
    };
    let _ = write_response(&stream, &response, is_head);
}

fn write_response(mut stream: &TcpStream, response: &Response, is_head: bool) -> io::Result<()> {
    let reason = match response.status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: {}\r\ncontent-length: {}\r\ncache-control: no-cache\r\n\
         request-id: {}\r\nconnection: close\r\n\r\n",
        response.status,
        response.content_type,
        response.body.len(),
        fresh_id("req_01"),
    );
    stream.write_all(head.as_bytes())?;
    if !is_head {
        stream.write_all(&response.body)?;
    }
    stream.flush()?;
    // Half-close so the client sees a clean end of stream rather than a reset.
    stream.shutdown(Shutdown::Write)
}

fn route(request: &Request, shared: &Shared) -> Response {
    let summary = format!("{} {}", request.method, request.target);
    let (response, note) = match (request.method.as_str(), request.path()) {
        ("HEAD" | "GET", "/") => (Response::json(200, &json!({})), String::new()),
        ("POST", "/v1/messages") => messages(request, shared),
        ("POST", "/v1/responses") => responses(request, shared),
        ("POST", "/v1/chat/completions") => chat_completions(request, shared),
        ("POST", path) if path.starts_with("/v1beta/models/") => gemini(request, shared),
        ("POST", "/v1/messages/count_tokens") => (
            Response::json(200, &json!({"input_tokens": 1000})),
            String::new(),
        ),
        ("GET", "/v1/models") => (
            Response::json(
                200,
                &json!({"data": [], "has_more": false, "first_id": null, "last_id": null}),
            ),
            String::new(),
        ),
        _ => {
            lock(&shared.unexpected).push(format!("unknown route: {summary}"));
            (
                Response::error(404, &format!("mock model: no route for {summary}")),
                String::new(),
            )
        }
    };
    lock(&shared.log).push(format!("{summary} -> {}{note}", response.status));
    response
}

/// Answers `POST /v1/messages`; returns the response and a note for the log.
fn messages(request: &Request, shared: &Shared) -> (Response, String) {
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(body @ Value::Object(_)) => body,
        Ok(_) => return bad_messages(shared, "body is not a JSON object"),
        Err(e) => return bad_messages(shared, &format!("body is not JSON: {e}")),
    };
    let Some(messages) = body["messages"].as_array() else {
        return bad_messages(shared, "body has no `messages` array");
    };
    lock(&shared.requests).push(body.clone());

    let streaming = body["stream"].as_bool().unwrap_or(false);
    let has_tools = body["tools"]
        .as_array()
        .is_some_and(|tools| !tools.is_empty());
    let turn_index = messages.iter().filter(|m| m["role"] == "assistant").count();
    let first_user = messages
        .iter()
        .find(|m| m["role"] == "user")
        .map(|m| content_text(&m["content"]))
        .unwrap_or_default();

    // The main conversation always offers tools; a request without them is a side request (a title,
    // a summary, ...) whose prompt may quote the user's, so it must never consume a scripted turn.
    let matched = if has_tools {
        shared
            .scripts
            .iter()
            .enumerate()
            .find(|(_, (key, _))| first_user.contains(key.as_str()))
    } else {
        None
    };
    let done = Turn::text(DONE_TEXT);
    let (turn, script_index, note) = match matched {
        Some((index, (key, turns))) => match turns.get(turn_index) {
            Some(turn) => (
                turn,
                index,
                format!(" script {index} ({key:?}) turn {turn_index}"),
            ),
            None => (
                &done,
                index,
                format!(" script {index} ({key:?}) turn {turn_index}: past end, done"),
            ),
        },
        None if has_tools => {
            let head: String = first_user.chars().take(200).collect();
            lock(&shared.unexpected)
                .push(format!("no script matches first user message: {head:?}"));
            (&done, usize::MAX, " no script matches, done".to_owned())
        }
        None => (
            &done,
            usize::MAX,
            " side request (no tools), done".to_owned(),
        ),
    };
    let note = format!("{note} stream={streaming}");

    let model = body["model"].as_str().unwrap_or("claude-mock").to_owned();
    let content: Vec<Value> = turn
        .blocks
        .iter()
        .enumerate()
        .map(|(i, block)| match block {
            Block::Text(text) => json!({"type": "text", "text": text}),
            Block::ToolUse { name, input } => json!({
                "type": "tool_use",
                "id": tool_use_id(script_index, turn_index, i),
                "name": name,
                "input": input,
            }),
        })
        .collect();
    let message = json!({
        "id": fresh_id("msg_01"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": turn.stop_reason(),
        "stop_sequence": null,
        "usage": usage(),
    });
    let response = if streaming {
        Response {
            status: 200,
            content_type: "text/event-stream",
            body: sse_body(&message).into_bytes(),
        }
    } else {
        Response::json(200, &message)
    };
    (response, note)
}

/// Answers `POST /v1/responses` (OpenAI's Responses API, as Codex speaks it): the conversation is
/// the `input` items, the turn is the number of model outputs already in it (tool calls and
/// assistant messages), and a script is chosen by a user message that contains its key. A tool
/// named `apply_patch` is Codex's freeform patch tool (its `patch` is the text); any other is a
/// function call with the input as its JSON arguments.
fn responses(request: &Request, shared: &Shared) -> (Response, String) {
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(body @ Value::Object(_)) => body,
        Ok(_) => return bad_messages(shared, "body is not a JSON object"),
        Err(e) => return bad_messages(shared, &format!("body is not JSON: {e}")),
    };
    let Some(input) = body["input"].as_array() else {
        return bad_messages(shared, "body has no `input` array");
    };
    lock(&shared.requests).push(body.clone());
    let turn_index = input
        .iter()
        .filter(|i| {
            matches!(
                i["type"].as_str(),
                Some("function_call" | "custom_tool_call")
            ) || (i["type"] == "message" && i["role"] == "assistant")
        })
        .count();
    let user_text: Vec<String> = input
        .iter()
        .filter(|i| i["role"] == "user")
        .map(|i| match &i["content"] {
            Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            Value::String(s) => s.clone(),
            _ => String::new(),
        })
        .collect();
    let matched = shared
        .scripts
        .iter()
        .enumerate()
        .find(|(_, (key, _))| user_text.iter().any(|t| t.contains(key.as_str())));
    let done = Turn::text(DONE_TEXT);
    let (turn, script_index, note) = match matched {
        Some((index, (key, turns))) => match turns.get(turn_index) {
            Some(turn) => (
                turn,
                index,
                format!(" script {index} ({key:?}) turn {turn_index}"),
            ),
            None => (
                &done,
                index,
                format!(" script {index} ({key:?}) past end, done"),
            ),
        },
        None => {
            lock(&shared.unexpected).push("no script matches the Responses request".into());
            (&done, usize::MAX, " no script matches, done".to_owned())
        }
    };
    let response_id = fresh_id("resp_");
    let mut out = String::new();
    sse_event(
        &mut out,
        "response.created",
        &json!({"type": "response.created", "response": {"id": response_id}}),
    );
    for (i, block) in turn.blocks.iter().enumerate() {
        let call_id = tool_use_id(script_index, turn_index, i);
        let item = match block {
            Block::Text(text) => json!({
                "type": "message", "role": "assistant", "id": fresh_id("msg_"),
                "content": [{"type": "output_text", "text": text}],
            }),
            Block::ToolUse { name, input } if name == "apply_patch" => json!({
                "type": "custom_tool_call", "id": fresh_id("ctc_"), "call_id": call_id,
                "name": "apply_patch", "input": input["patch"].as_str().unwrap_or_default(),
            }),
            Block::ToolUse { name, input } => json!({
                "type": "function_call", "id": fresh_id("fc_"), "call_id": call_id,
                "name": name, "arguments": input.to_string(),
            }),
        };
        sse_event(
            &mut out,
            "response.output_item.added",
            &json!({"type": "response.output_item.added", "output_index": i, "item": item}),
        );
        sse_event(
            &mut out,
            "response.output_item.done",
            &json!({"type": "response.output_item.done", "output_index": i, "item": item}),
        );
    }
    sse_event(
        &mut out,
        "response.completed",
        &json!({"type": "response.completed", "response": {"id": response_id, "usage": {
            "input_tokens": 100, "input_tokens_details": null, "output_tokens": 20,
            "output_tokens_details": null, "total_tokens": 120}}}),
    );
    (
        Response {
            status: 200,
            content_type: "text/event-stream",
            body: out.into_bytes(),
        },
        note,
    )
}

/// Answers `POST /v1/chat/completions` (OpenAI's Chat Completions API, as Copilot CLI speaks it
/// with its own model provider): the turn is the number of assistant messages in `messages`, a
/// script is chosen by a user message that contains its key, and tool calls are streamed as
/// `tool_calls` deltas with the input as JSON arguments. A request without tools is a side
/// request and gets the done text.
fn chat_completions(request: &Request, shared: &Shared) -> (Response, String) {
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(body @ Value::Object(_)) => body,
        Ok(_) => return bad_messages(shared, "body is not a JSON object"),
        Err(e) => return bad_messages(shared, &format!("body is not JSON: {e}")),
    };
    let Some(messages) = body["messages"].as_array() else {
        return bad_messages(shared, "body has no `messages` array");
    };
    lock(&shared.requests).push(body.clone());
    let has_tools = body["tools"].as_array().is_some_and(|t| !t.is_empty());
    let done = Turn::text(DONE_TEXT);
    let (turn, script_index, turn_index, note) = if has_tools {
        let turn_index = messages.iter().filter(|m| m["role"] == "assistant").count();
        let texts: Vec<String> = messages
            .iter()
            .filter(|m| m["role"] == "user")
            .map(|m| content_text(&m["content"]))
            .collect();
        let matched = shared
            .scripts
            .iter()
            .enumerate()
            .find(|(_, (key, _))| texts.iter().any(|t| t.contains(key.as_str())));
        match matched {
            Some((index, (key, turns))) => match turns.get(turn_index) {
                Some(turn) => (
                    turn,
                    index,
                    turn_index,
                    format!(" script {index} ({key:?}) turn {turn_index}"),
                ),
                None => (
                    &done,
                    index,
                    turn_index,
                    format!(" script {index} ({key:?}) past end, done"),
                ),
            },
            None => {
                lock(&shared.unexpected).push("no script matches the chat request".into());
                (
                    &done,
                    usize::MAX,
                    turn_index,
                    " no script matches, done".to_owned(),
                )
            }
        }
    } else {
        (&done, usize::MAX, 0, " side request".to_owned())
    };
    let id = fresh_id("chatcmpl-");
    let model = body["model"].as_str().unwrap_or("gpt-4.1").to_owned();
    let chunk = |choices: Value| {
        json!({"id": id, "object": "chat.completion.chunk", "created": 1_796_558_978u64,
               "model": model, "choices": choices})
    };
    let mut out = String::new();
    let mut push = |v: Value| out.push_str(&format!("data: {v}\n\n"));
    push(chunk(
        json!([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]),
    ));
    let mut calls = 0;
    for (i, block) in turn.blocks.iter().enumerate() {
        match block {
            Block::Text(text) => push(chunk(
                json!([{"index": 0, "delta": {"content": text}, "finish_reason": null}]),
            )),
            Block::ToolUse { name, input } => {
                push(chunk(json!([{"index": 0, "delta": {"tool_calls": [{
                    "index": calls, "id": tool_use_id(script_index, turn_index, i), "type": "function",
                    "function": {"name": name, "arguments": input.to_string()},
                }]}, "finish_reason": null}])));
                calls += 1;
            }
        }
    }
    let finish = if calls > 0 { "tool_calls" } else { "stop" };
    push(chunk(
        json!([{"index": 0, "delta": {}, "finish_reason": finish}]),
    ));
    let mut usage = chunk(json!([]));
    usage["usage"] = json!({"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120});
    push(usage);
    out.push_str("data: [DONE]\n\n");
    (
        Response {
            status: 200,
            content_type: "text/event-stream",
            body: out.into_bytes(),
        },
        note,
    )
}

/// Answers the Gemini API (`…:streamGenerateContent?alt=sse` and `…:generateContent`), as
/// Gemini CLI speaks it. A request with tools is the conversation: its turn is the number of
/// `model` entries in `contents`, and a script is chosen by a user text that contains its key;
/// tool calls are `functionCall` parts with the input as `args`. A request without tools is a
/// side request (a next-speaker check, a summary): it gets JSON that fits its response schema.
fn gemini(request: &Request, shared: &Shared) -> (Response, String) {
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(body @ Value::Object(_)) => body,
        Ok(_) => return bad_messages(shared, "body is not a JSON object"),
        Err(e) => return bad_messages(shared, &format!("body is not JSON: {e}")),
    };
    let Some(contents) = body["contents"].as_array() else {
        return bad_messages(shared, "body has no `contents` array");
    };
    lock(&shared.requests).push(body.clone());
    let streaming = request.path().ends_with(":streamGenerateContent");
    let has_tools = body["tools"].as_array().is_some_and(|t| !t.is_empty());
    let (parts, note) = if has_tools {
        let turn_index = contents.iter().filter(|c| c["role"] == "model").count();
        let texts: Vec<&str> = contents
            .iter()
            .filter(|c| c["role"] == "user")
            .flat_map(|c| c["parts"].as_array().into_iter().flatten())
            .filter_map(|p| p["text"].as_str())
            .collect();
        let matched = shared
            .scripts
            .iter()
            .enumerate()
            .find(|(_, (key, _))| texts.iter().any(|t| t.contains(key.as_str())));
        let done = Turn::text(DONE_TEXT);
        let (turn, note) = match matched {
            Some((index, (key, turns))) => match turns.get(turn_index) {
                Some(turn) => (turn, format!(" script {index} ({key:?}) turn {turn_index}")),
                None => (&done, format!(" script {index} ({key:?}) past end, done")),
            },
            None => {
                lock(&shared.unexpected).push("no script matches the Gemini request".into());
                (&done, " no script matches, done".to_owned())
            }
        };
        let parts: Vec<Value> = turn
            .blocks
            .iter()
            .map(|b| match b {
                Block::Text(text) => json!({"text": text}),
                Block::ToolUse { name, input } => {
                    json!({"functionCall": {"name": name, "args": input}})
                }
            })
            .collect();
        (parts, note)
    } else {
        let schema = &body["generationConfig"]["responseJsonSchema"];
        let schema = if schema.is_null() {
            &body["generationConfig"]["responseSchema"]
        } else {
            schema
        };
        let text = if schema.is_null() {
            DONE_TEXT.to_owned()
        } else {
            fitting(schema, 0).to_string()
        };
        (vec![json!({"text": text})], " side request".to_owned())
    };
    let chunk = json!({
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 20, "totalTokenCount": 120},
        "modelVersion": "gemini-2.5-flash",
    });
    let response = if streaming {
        Response {
            status: 200,
            content_type: "text/event-stream",
            body: format!("data: {chunk}\r\n\r\n").into_bytes(),
        }
    } else {
        Response::json(200, &chunk)
    };
    (response, note)
}

/// A JSON value that fits a (JSON or OpenAPI-style) schema: the user speaks next, strings are
/// short, lists are empty. Bounded in depth.
fn fitting(schema: &Value, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(options) = schema["enum"].as_array() {
        return options
            .iter()
            .find(|o| o == &&json!("user"))
            .or_else(|| options.first())
            .cloned()
            .unwrap_or(Value::Null);
    }
    let kind = schema["type"]
        .as_str()
        .unwrap_or("object")
        .to_ascii_lowercase();
    match kind.as_str() {
        "object" => {
            let mut out = serde_json::Map::new();
            for (key, prop) in schema["properties"].as_object().into_iter().flatten() {
                let value = if key == "next_speaker" {
                    json!("user")
                } else {
                    fitting(prop, depth + 1)
                };
                out.insert(key.clone(), value);
            }
            Value::Object(out)
        }
        "array" => json!([]),
        "string" => json!("done"),
        "number" | "integer" => json!(0),
        "boolean" => json!(false),
        _ => Value::Null,
    }
}

fn bad_messages(shared: &Shared, why: &str) -> (Response, String) {
    lock(&shared.unexpected).push(format!("bad /v1/messages request: {why}"));
    (Response::error(400, why), format!(" ({why})"))
}

/// Small, fixed token counts: large ones would make the CLI think its context is full and compact.
fn usage() -> Value {
    json!({
        "input_tokens": 100,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 20,
    })
}

/// Renders a complete message as the Messages API's server-sent event stream.
fn sse_body(message: &Value) -> String {
    let mut out = String::new();
    let mut start = message.clone();
    start["content"] = json!([]);
    start["stop_reason"] = Value::Null;
    start["usage"]["output_tokens"] = json!(1);
    sse_event(
        &mut out,
        "message_start",
        &json!({"type": "message_start", "message": start}),
    );
    sse_event(&mut out, "ping", &json!({"type": "ping"}));
    for (index, block) in message["content"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let (opening, deltas) = if block["type"] == "tool_use" {
            let input = block["input"].to_string();
            let deltas: Vec<Value> = chunks(&input, 24)
                .into_iter()
                .map(|part| json!({"type": "input_json_delta", "partial_json": part}))
                .collect();
            let opening =
                json!({"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}});
            (opening, deltas)
        } else {
            let text = block["text"].as_str().unwrap_or_default();
            let deltas: Vec<Value> = chunks(text, 40)
                .into_iter()
                .map(|part| json!({"type": "text_delta", "text": part}))
                .collect();
            (json!({"type": "text", "text": ""}), deltas)
        };
        sse_event(
            &mut out,
            "content_block_start",
            &json!({"type": "content_block_start", "index": index, "content_block": opening}),
        );
        for delta in deltas {
            sse_event(
                &mut out,
                "content_block_delta",
                &json!({"type": "content_block_delta", "index": index, "delta": delta}),
            );
        }
        sse_event(
            &mut out,
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": index}),
        );
    }
    sse_event(
        &mut out,
        "message_delta",
        &json!({
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": null},
            "usage": message["usage"],
        }),
    );
    sse_event(&mut out, "message_stop", &json!({"type": "message_stop"}));
    out
}

fn sse_event(out: &mut String, event: &str, data: &Value) {
    out.push_str("event: ");
    out.push_str(event);
    out.push_str("\ndata: ");
    out.push_str(&data.to_string());
    out.push_str("\n\n");
}

/// Splits `s` into pieces of at most `size` characters; always at least one piece, so every block
/// gets a delta even when empty.
fn chunks(s: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(size.max(1))
        .map(|c| c.iter().collect())
        .collect()
}

/// The text of a message or tool-result `content`: a string, or the text blocks of a list.
fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter(|b| b["type"] == "text")
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// A unique id like the API's (`msg_01…`, `req_01…`): unique across servers and test processes,
/// because the CLI merges assistant blocks that share a message id.
fn fresh_id(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let seed = (nanos as u64) ^ u64::from(std::process::id()).rotate_left(40);
    format!(
        "{prefix}{:014x}{:08x}",
        seed & 0xff_ffff_ffff_ffff,
        n & 0xffff_ffff
    )
}

/// Reads one HTTP/1.1 request from a connection, within a deadline and size limits.
struct ConnReader<'a> {
    stream: &'a TcpStream,
    buf: Vec<u8>,
    deadline: Instant,
}

impl<'a> ConnReader<'a> {
    fn new(stream: &'a TcpStream, deadline: Instant) -> ConnReader<'a> {
        ConnReader {
            stream,
            buf: Vec::new(),
            deadline,
        }
    }

    /// Reads more bytes into the buffer; `Ok(0)` at end of stream.
    fn fill(&mut self) -> Result<usize, HttpError> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(HttpError::new(408, "request not received in time"));
            }
            let _ = self.stream.set_read_timeout(Some(left.min(IO_TIMEOUT)));
            let mut stream = self.stream;
            match stream.read(&mut chunk) {
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(HttpError::new(408, "request not received in time"));
                }
                Err(e) => return Err(HttpError::new(400, format!("read failed: {e}"))),
            }
        }
    }

    /// Reads a line ending in CRLF (or LF), without the ending. `Ok(None)` on a clean end of stream
    /// before any byte of the line.
    fn read_line(&mut self, max: usize) -> Result<Option<Vec<u8>>, HttpError> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=pos).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(Some(line));
            }
            if self.buf.len() > max {
                return Err(HttpError::new(413, "line too long"));
            }
            match self.fill()? {
                0 if self.buf.is_empty() => return Ok(None),
                0 => return Err(HttpError::new(400, "connection closed mid-line")),
                _ => {}
            }
        }
    }

    fn read_exact(&mut self, n: usize) -> Result<Vec<u8>, HttpError> {
        while self.buf.len() < n {
            if self.fill()? == 0 {
                return Err(HttpError::new(400, "connection closed mid-body"));
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    fn read_request(&mut self) -> Result<Option<Request>, HttpError> {
        let Some(line) = self.read_line(MAX_HEAD)? else {
            return Ok(None);
        };
        let line = String::from_utf8(line)
            .map_err(|_| HttpError::new(400, "request line is not UTF-8"))?;
        let mut parts = line.split_whitespace();
        let (Some(method), Some(target), Some(version)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(HttpError::new(
                400,
                format!("malformed request line {line:?}"),
            ));
        };
        if !version.starts_with("HTTP/1.") {
            return Err(HttpError::new(
                400,
                format!("unsupported version {version:?}"),
            ));
        }
        let mut headers = Vec::new();
        let mut head_size = line.len();
        loop {
            let Some(raw) = self.read_line(MAX_HEAD)? else {
                return Err(HttpError::new(400, "connection closed in headers"));
            };
            if raw.is_empty() {
                break;
            }
            head_size += raw.len();
            if head_size > MAX_HEAD {
                return Err(HttpError::new(413, "headers too large"));
            }
            let raw = String::from_utf8_lossy(&raw);
            let Some((name, value)) = raw.split_once(':') else {
                return Err(HttpError::new(400, format!("malformed header {raw:?}")));
            };
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let mut request = Request {
            method: method.to_owned(),
            target: target.to_owned(),
            headers,
            body: Vec::new(),
        };

        if request
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        {
            let mut stream = self.stream;
            let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        let chunked = request
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            request.body = self.read_chunked()?;
        } else if let Some(len) = request.header("content-length") {
            let len: usize = len
                .parse()
                .map_err(|_| HttpError::new(400, format!("bad content-length {len:?}")))?;
            if len > MAX_BODY {
                return Err(HttpError::new(
                    413,
                    format!("body of {len} bytes is too large"),
                ));
            }
            request.body = self.read_exact(len)?;
        }
        Ok(Some(request))
    }

    fn read_chunked(&mut self) -> Result<Vec<u8>, HttpError> {
        let mut body = Vec::new();
        loop {
            let line = self
                .read_line(1024)?
                .ok_or_else(|| HttpError::new(400, "closed in chunked body"))?;
            let line = String::from_utf8_lossy(&line);
            let size_text = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| HttpError::new(400, format!("bad chunk size {size_text:?}")))?;
            if size == 0 {
                // Skip trailers up to the blank line.
                while let Some(trailer) = self.read_line(MAX_HEAD)? {
                    if trailer.is_empty() {
                        break;
                    }
                }
                return Ok(body);
            }
            if body.len().saturating_add(size) > MAX_BODY {
                return Err(HttpError::new(413, "chunked body too large"));
            }
            body.extend(self.read_exact(size)?);
            let end = self
                .read_line(16)?
                .ok_or_else(|| HttpError::new(400, "closed in chunked body"))?;
            if !end.is_empty() {
                return Err(HttpError::new(400, "chunk not followed by CRLF"));
            }
        }
    }
}
