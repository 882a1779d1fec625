//! A small OAuth2 authorisation server on loopback for the OAuth2 tests: a
//! token endpoint (client credentials, form body, Microsoft-style errors)
//! and an RFC 7662 introspection endpoint that Dovecot asks about each
//! token. Hand-written HTTP/1.1, one request per connection. Each client id
//! belongs to one test and names the mailbox its tokens open.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server knows of one client.
struct Client {
    secret: String,
    user: String,
    lifetime: Duration,
    /// Tokens are issued already revoked (a token the server will refuse).
    born_revoked: bool,
    issued: u32,
}

struct Issued {
    user: String,
    client: String,
    expires: Instant,
    revoked: bool,
}

#[derive(Default)]
struct State {
    clients: HashMap<String, Client>,
    tokens: HashMap<String, Issued>,
}

/// The running server; cheap to clone.
#[derive(Clone)]
pub struct TokenServer {
    state: Arc<Mutex<State>>,
    pub port: u16,
}

pub const SCOPE: &str = "https://outlook.office365.com/.default";

impl TokenServer {
    /// Serves on 127.0.0.1:`port` from a thread of its own, for the life
    /// of the test process.
    pub fn start(port: u16) -> Self {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("the token server cannot listen on 127.0.0.1:{port}: {e}"));
        listener.set_nonblocking(true).expect("nonblocking");
        let server = TokenServer {
            state: Arc::new(Mutex::new(State::default())),
            port,
        };
        let state = server.state.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("listener");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let state = state.clone();
                    tokio::spawn(async move {
                        let _ = serve(stream, state).await;
                    });
                }
            });
        });
        server
    }

    pub fn token_url(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }

    /// Registers a client whose tokens open `user`'s mailbox.
    pub fn client(&self, id: &str, secret: &str, user: &str, lifetime: Duration) {
        self.state.lock().expect("state").clients.insert(
            id.into(),
            Client {
                secret: secret.into(),
                user: user.into(),
                lifetime,
                born_revoked: false,
                issued: 0,
            },
        );
    }

    /// From now on, the client's tokens are refused as soon as issued.
    pub fn issue_revoked(&self, id: &str, on: bool) {
        if let Some(c) = self.state.lock().expect("state").clients.get_mut(id) {
            c.born_revoked = on;
        }
    }

    /// Revokes every token issued to the client so far.
    pub fn revoke(&self, id: &str) {
        for t in self.state.lock().expect("state").tokens.values_mut() {
            if t.client == id {
                t.revoked = true;
            }
        }
    }

    /// Tokens issued to the client.
    pub fn issued(&self, id: &str) -> u32 {
        self.state
            .lock()
            .expect("state")
            .clients
            .get(id)
            .map_or(0, |c| c.issued)
    }
}

/// Reads one request, answers it, closes.
async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head_end, length) = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (end + 4, length);
        }
    };
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let body = String::from_utf8_lossy(&buf[head_end..]).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
    let form = form(&body);
    let (status, json) = {
        let mut state = state.lock().expect("state");
        match path.as_str() {
            "/token" => token(&mut state, &form),
            "/introspect" => introspect(&state, &form),
            _ => (404, r#"{"error":"not_found"}"#.to_string()),
        }
    };
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        _ => "Not Found",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

fn token(state: &mut State, form: &HashMap<String, String>) -> (u16, String) {
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("grant_type") != "client_credentials" {
        return (400, r#"{"error":"unsupported_grant_type"}"#.into());
    }
    let Some(client) = state.clients.get_mut(get("client_id")) else {
        return (400, r#"{"error":"unauthorized_client","error_description":"AADSTS700016: Application with identifier 'x' was not found in the directory 'test'.\r\nTrace ID: 1"}"#.into());
    };
    if client.secret != get("client_secret") {
        return (401, r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 2"}"#.into());
    }
    if get("scope") != SCOPE {
        return (400, r#"{"error":"invalid_scope","error_description":"AADSTS70011: The provided value for scope is not valid."}"#.into());
    }
    client.issued += 1;
    let access = format!("tok-{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    let issued = Issued {
        user: client.user.clone(),
        client: get("client_id").to_string(),
        expires: Instant::now() + client.lifetime,
        revoked: client.born_revoked,
    };
    let lifetime = client.lifetime.as_secs();
    state.tokens.insert(access.clone(), issued);
    (
        200,
        format!(r#"{{"access_token":"{access}","token_type":"Bearer","expires_in":{lifetime}}}"#),
    )
}

fn introspect(state: &State, form: &HashMap<String, String>) -> (u16, String) {
    let token = form.get("token").map(String::as_str).unwrap_or("");
    match state.tokens.get(token) {
        Some(t) if !t.revoked && Instant::now() < t.expires => {
            (200, format!(r#"{{"active":true,"username":"{}"}}"#, t.user))
        }
        _ => (200, r#"{"active":false}"#.into()),
    }
}

/// `application/x-www-form-urlencoded` to pairs.
fn form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
