//! Which nginx version a configuration runs on, and the defaults that depend
//! on it.
//!
//! nginx 1.29.7 (mainline, 2026-03-24; stable from 1.30.0) changed upstream
//! defaults: `proxy_http_version` 1.1 instead of 1.0, no `Connection: close`
//! sent upstream, and `keepalive 32` (with `local`) for every explicit
//! `upstream {}` block (not for implicit `proxy_pass http://host:port`
//! upstreams). `keepalive_requests` went from 100 to 1000 in 1.19.10.
//!
//! Image tags are read by [`version_from_image`]. Moving tags (`latest`,
//! `stable`, `mainline`, no tag, `alpine`, ...) give [`NginxVersion::Unknown`]:
//! what they run depends on when the image was pulled (a cached `stable`
//! pulled in early 2026 is 1.28, one pulled after 2026-04-14 is 1.30), so
//! parity evaluates both sides of every version boundary instead of
//! guessing. A tag naming only a series (`nginx:1.29`) gives
//! [`NginxVersion::Series`], which is unknown exactly for the boundaries
//! inside that series.

use std::cmp::Ordering;

/// The nginx version a configuration is read for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NginxVersion {
    /// An exact release: `Known(1, 27, 3)`.
    Known(u32, u32, u32),
    /// A series whose patch release is unknown (`nginx:1.27` is whatever
    /// 1.27.x was newest when the image was pulled).
    Series(u32, u32),
    /// Not known: defaults that changed are given for both sides.
    #[default]
    Unknown,
}

/// Where a version stands relative to a boundary release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Before,
    Since,
    /// The version is unknown, or a series that contains the boundary.
    Either,
}

impl NginxVersion {
    /// Whether this version is before or since `boundary` (major, minor, patch).
    #[must_use]
    pub fn side_of(&self, boundary: (u32, u32, u32)) -> Side {
        let side = |o: Ordering| {
            if o == Ordering::Less {
                Side::Before
            } else {
                Side::Since
            }
        };
        match *self {
            NginxVersion::Known(a, b, c) => side((a, b, c).cmp(&boundary)),
            NginxVersion::Series(a, b) => {
                let (ba, bb, bc) = boundary;
                match (a, b).cmp(&(ba, bb)) {
                    Ordering::Less => Side::Before,
                    Ordering::Greater => Side::Since,
                    Ordering::Equal if bc == 0 => Side::Since,
                    Ordering::Equal => Side::Either,
                }
            }
            NginxVersion::Unknown => Side::Either,
        }
    }
}

/// Options for route and upstream extraction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExtractOptions {
    /// The nginx version defaults are given for.
    pub version: NginxVersion,
}

/// The release that changed the upstream defaults.
pub const UPSTREAM_DEFAULTS_CHANGED: (u32, u32, u32) = (1, 29, 7);
/// The release that raised `keepalive_requests` from 100 to 1000.
pub const KEEPALIVE_REQUESTS_CHANGED: (u32, u32, u32) = (1, 19, 10);

/// `Origin::Default` versions text for each side of 1.29.7.
pub const BEFORE_1_29_7: &str = "< 1.29.7";
pub const SINCE_1_29_7: &str = ">= 1.29.7";
/// Versions text of a `Value::OneOf` default when the version is not known:
/// the first value is the one before 1.29.7, the second the one since.
pub const EITHER_SIDE_OF_1_29_7: &str = "all versions before and after 1.29.7";
pub const BEFORE_1_19_10: &str = "< 1.19.10";
pub const SINCE_1_19_10: &str = ">= 1.19.10";
pub const EITHER_SIDE_OF_1_19_10: &str = "all versions before and after 1.19.10";

/// The nginx version an image reference runs, [`NginxVersion::Unknown`] for
/// moving tags and for images that are not nginx.
#[must_use]
pub fn version_from_image(image_ref: &str) -> NginxVersion {
    nginx_image(image_ref).unwrap_or_default()
}

/// `None` when `image_ref` is not a known nginx image; otherwise the version
/// its tag names (see the module documentation).
///
/// Known images: the official `nginx` (Docker Hub with or without
/// `docker.io/library/`, and its mirrors `public.ecr.aws/nginx/nginx`,
/// `mirror.gcr.io/library/nginx`), `nginxinc/nginx-unprivileged`,
/// `bitnami/nginx`, and `openresty/openresty` (OpenResty `1.25.3.1` bundles
/// nginx `1.25.3`). Tags look like `1.27`, `1.27.3`, `1.27.3-alpine`,
/// `1.29.7-alpine-slim`, `1.25.3-debian-11-r0`; a digest (`@sha256:...`) is
/// ignored.
#[must_use]
pub fn nginx_image(image_ref: &str) -> Option<NginxVersion> {
    let image = image_ref.trim();
    let image = image.split('@').next().unwrap_or(image);
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match image[last_slash..].rfind(':') {
        Some(i) => (&image[..last_slash + i], Some(&image[last_slash + i + 1..])),
        None => (image, None),
    };
    let repo = repo.to_ascii_lowercase();
    let path = strip_registry(&repo);
    let openresty = match path {
        "nginx"
        | "library/nginx"
        | "nginx/nginx"
        | "nginxinc/nginx-unprivileged"
        | "nginx/nginx-unprivileged"
        | "bitnami/nginx" => false,
        "openresty/openresty" => true,
        _ => return None,
    };
    let Some(tag) = tag else {
        return Some(NginxVersion::Unknown);
    };
    Some(version_of_tag(tag, openresty))
}

/// The repository path without a registry host (`docker.io/library/nginx`
/// -> `library/nginx`, `public.ecr.aws/nginx/nginx` -> `nginx/nginx`).
fn strip_registry(repo: &str) -> &str {
    match repo.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => rest,
        _ => repo,
    }
}

/// The version a tag names: leading dot-separated numbers up to `-` or the end.
fn version_of_tag(tag: &str, openresty: bool) -> NginxVersion {
    let head = tag.split('-').next().unwrap_or("");
    let parts: Vec<&str> = head.split('.').collect();
    let nums: Option<Vec<u32>> = parts
        .iter()
        .map(|p| {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().ok()
            } else {
                None
            }
        })
        .collect();
    let Some(nums) = nums else {
        return NginxVersion::Unknown;
    };
    match (nums.as_slice(), openresty) {
        ([a, b], false) => NginxVersion::Series(*a, *b),
        ([a, b, c], _) | ([a, b, c, _], true) => NginxVersion::Known(*a, *b, *c),
        _ => NginxVersion::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NginxVersion::{Known, Series, Unknown};

    #[test]
    fn official_and_derived_image_tags() {
        for (image, want) in [
            ("nginx:1.24", Series(1, 24)),
            ("nginx:1.27-alpine", Series(1, 27)),
            ("nginx:1.27.3", Known(1, 27, 3)),
            ("nginx:1.29.7-alpine-slim", Known(1, 29, 7)),
            ("nginx:1.27.3-alpine3.20-perl", Known(1, 27, 3)),
            ("nginxinc/nginx-unprivileged:1.25", Series(1, 25)),
            (
                "docker.io/library/nginx:1.26@sha256:0123abcd",
                Series(1, 26),
            ),
            ("library/nginx:1.26.2", Known(1, 26, 2)),
            ("public.ecr.aws/nginx/nginx:1.27.4", Known(1, 27, 4)),
            ("bitnami/nginx:1.25.3-debian-11-r0", Known(1, 25, 3)),
            ("openresty/openresty:1.25.3.1-alpine", Known(1, 25, 3)),
            ("openresty/openresty:1.21.4.1-0-jammy", Known(1, 21, 4)),
            ("NGINX:1.27.3", Known(1, 27, 3)),
            ("nginx:stable", Unknown),
            ("nginx:mainline", Unknown),
            ("nginx:latest", Unknown),
            ("nginx", Unknown),
            ("nginx@sha256:0123abcd", Unknown),
            ("nginx:stable-alpine", Unknown),
            ("nginx:alpine", Unknown),
            ("nginx:1", Unknown),
            ("nginx:${NGINX_VERSION}", Unknown),
            ("openresty/openresty:alpine", Unknown),
        ] {
            assert_eq!(nginx_image(image), Some(want), "{image}");
            assert_eq!(version_from_image(image), want, "{image}");
        }
    }

    #[test]
    fn other_images_are_not_nginx() {
        for image in [
            "python:3.12",
            "nginxproxy/nginx-proxy:1.6",
            "jwilder/nginx-proxy",
            "tiangolo/uwsgi-nginx:python3.11",
            "registry.example.com:5000/team/web:1.25.3",
            "",
        ] {
            assert_eq!(nginx_image(image), None, "{image}");
            assert_eq!(version_from_image(image), Unknown);
        }
        assert_eq!(
            nginx_image("localhost:5000/nginx:1.25.3"),
            Some(Known(1, 25, 3))
        );
    }

    #[test]
    fn sides_of_a_boundary() {
        let b = UPSTREAM_DEFAULTS_CHANGED;
        assert_eq!(Known(1, 29, 6).side_of(b), Side::Before);
        assert_eq!(Known(1, 29, 7).side_of(b), Side::Since);
        assert_eq!(Known(1, 30, 0).side_of(b), Side::Since);
        assert_eq!(Series(1, 28).side_of(b), Side::Before);
        assert_eq!(Series(1, 29).side_of(b), Side::Either);
        assert_eq!(Series(1, 30).side_of(b), Side::Since);
        assert_eq!(Unknown.side_of(b), Side::Either);
        assert_eq!(Series(1, 20).side_of((1, 20, 0)), Side::Since);
    }
}
