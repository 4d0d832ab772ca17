"""Timing primitives: run a command and time it, download or upload with curl, read the page cache in."""
import os
import subprocess
import time

MB = 1e6


def timed(args, stdout=subprocess.DEVNULL):
    """Wall seconds of a command (process start to exit, as a user sees it); fails if the command does."""
    started = time.perf_counter()
    subprocess.run(args, stdout=stdout, check=True)
    return time.perf_counter() - started


def timed_parallel(commands):
    """Wall seconds from starting all `commands` together until the last one exits."""
    started = time.perf_counter()
    processes = [subprocess.Popen(args, stdout=subprocess.DEVNULL) for args in commands]
    codes = [p.wait() for p in processes]
    elapsed = time.perf_counter() - started
    if any(codes):
        raise RuntimeError(f"parallel commands failed with {codes}: {commands[0]} ...")
    return elapsed


def into_page_cache(*paths):
    for path in paths:
        with open(path, "rb") as f:
            while f.read(8 << 20):
                pass


def curl_get(url, token):
    """`curl -o /dev/null` of `url`: the command line, as a list."""
    return ["curl", "-sSf", "-o", "/dev/null", "-H", f"Authorization: Bearer {token}", url]


def curl_cat(url, token):
    """`curl URL | cat > /dev/null`: a network receive plus one hand-off to another process, as many copies as a
    FUSE read needs. The floor of work any network filesystem must do. The command line, as a list."""
    return ["bash", "-o", "pipefail", "-c", 'curl -sSf -H "$1" "$2" | cat > /dev/null', "curl-cat",
            f"Authorization: Bearer {token}", url]


def curl_ttfb(url, token):
    """curl's time to first byte (time_starttransfer) of `url`, in seconds."""
    out = subprocess.run(curl_get(url, token) + ["-w", "%{time_starttransfer}"], check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip())


def curl_replay(urls, token, config_path):
    """Fetches `urls` in order with one curl process (one reused connection); returns wall seconds."""
    with open(config_path, "w") as f:
        f.write(f'header = "Authorization: Bearer {token}"\nsilent\nshow-error\nfail\n')
        for url in urls:
            f.write(f'url = "{url}"\noutput = "/dev/null"\n')
    return timed(["curl", "-K", config_path])


def curl_upload(source, directory_url, name, token, chunked=False):
    """Agave's upload is a multipart POST of `fileToUpload` to the target directory: curl's equivalent of
    `curl -T`. `chunked`: sent with chunked transfer encoding, as a streamed upload must be (its length is not
    known when it starts). Returns wall seconds."""
    encoding = ["-H", "Transfer-Encoding: chunked"] if chunked else []
    return timed(["curl", "-sSf", "-o", "/dev/null", "-H", f"Authorization: Bearer {token}", *encoding,
                  "-F", f"fileName={name}", "-F", f"fileToUpload=@{source};filename={name}", directory_url])


def first_byte(path):
    """Seconds to open `path` and read its first byte (as an application would)."""
    started = time.perf_counter()
    fd = os.open(path, os.O_RDONLY)
    try:
        if len(os.read(fd, 1)) != 1:
            raise RuntimeError(f"{path}: no first byte")
        return time.perf_counter() - started
    finally:
        os.close(fd)


def xattr(path, name):
    try:
        return os.getxattr(path, name).decode()
    except OSError:
        return None


def mbps(size, seconds):
    return size / seconds / MB
