"""The status registry: every HTTP status code we know, its title and what it means.

This module is data only. Titles are the current RFC 9110 reason phrases (not the
ones of the running Python's ``http.HTTPStatus``, which change between versions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class StatusInfo:
    """One HTTP status code: its number, reason phrase and documented description."""

    code: int
    title: str
    description: str


# fmt: off
_TABLE: tuple[tuple[int, str, str], ...] = (
    # 1xx Informational: an interim answer; the final response is still to come.
    (100, "Continue",
     "The server has received the request headers and the client may go on sending the request body. It is sent in reply to a request that carried Expect: 100-continue."),
    (101, "Switching Protocols",
     "The server agrees to the client's Upgrade request and switches the connection to another protocol. The new protocol takes over right after this response."),
    (102, "Processing",
     "The server has accepted the request and is still working on it, but no final response is ready yet. It keeps a client from timing out during long WebDAV operations."),
    (103, "Early Hints",
     "The server sends some header fields, typically Link preload hints, ahead of the final response. The client may start fetching related resources while it waits."),

    # 2xx Successful: the request was received, understood and accepted.
    (200, "OK",
     "The request has succeeded, and the server has returned the requested data or performed the requested action. This is a standard response for successful HTTP requests."),
    (201, "Created",
     "The server has successfully fulfilled a POST request, and as a result, a new resource has been created. Typically, this status code is returned along with information about the newly created resource in the response body."),
    (202, "Accepted",
     "The request has been accepted for processing, but the processing has not finished yet. Its outcome is not known and the request may still be acted upon or refused later."),
    (203, "Non-Authoritative Information",
     "The request succeeded, but a transforming proxy has changed the content it received from the origin server. The body is not exactly what the origin sent."),
    (204, "No Content",
     "The server has successfully fulfilled the request, but there is no additional data to be sent in the response body. This is often used for DELETE requests or actions that don't return data."),
    (205, "Reset Content",
     "The server has fulfilled the request and asks the client to reset the form or view that sent it. No content comes with this status."),
    (206, "Partial Content",
     "The server returns only the part of the resource that the client asked for with a Range header. The body holds the requested range or ranges."),
    (207, "Multi-Status",
     "The body holds status information for several independent operations. WebDAV sends it when one request acts on many resources."),
    (208, "Already Reported",
     "The members of a WebDAV binding were already listed earlier in this multi-status response, so they are not repeated. It keeps a listing from growing without end."),
    (226, "IM Used",
     "The server has fulfilled a GET request, and the body is the result of one or more instance manipulations, such as a delta encoding, applied to the current instance."),

    # 3xx Redirection: the client must take further action to complete the request.
    (300, "Multiple Choices",
     "The resource has several representations and the client should pick one. The server may suggest its preferred choice in the Location header."),
    (301, "Moved Permanently",
     "The resource has been given a new permanent URI, found in the Location header. Clients should use the new URI for future requests."),
    (302, "Found",
     "The resource lives temporarily under a different URI, given in the Location header. Clients should keep using the original URI for future requests."),
    (303, "See Other",
     "The server points the client to another resource, given in the Location header, which should be fetched with GET. It is often sent after a POST to lead to its result."),
    (304, "Not Modified",
     "The resource has not changed since the version the client holds, according to the conditional headers of its request. The client can reuse its cached copy; no body is sent."),
    (305, "Use Proxy",
     "The resource had to be accessed through the proxy named in the Location header. This status is deprecated and clients ignore it for security reasons."),
    (307, "Temporary Redirect",
     "The resource lives temporarily under the URI in the Location header, and the client must repeat the request there without changing its method or body."),
    (308, "Permanent Redirect",
     "The resource has moved for good to the URI in the Location header, and the client must repeat the request there without changing its method or body."),

    # 4xx Client Error: the request is at fault and should not be repeated unchanged.
    (400, "Bad Request",
     "The server cannot understand or process the client's request due to malformed syntax or invalid parameters. This code is often returned when the request lacks required data or contains incorrect data."),
    (401, "Unauthorized",
     "The request requires user authentication. The server has received the request, but the user's credentials are either missing or invalid. The client is typically required to provide valid credentials to access the resource."),
    (402, "Payment Required",
     "The request cannot be served until a payment is made. The code is reserved for future use, and some APIs send it when a quota or subscription has run out."),
    (403, "Forbidden",
     "The server understands the request but refuses to fulfill it. This status code is often used for authentication and authorization purposes when a user lacks the necessary permissions to access a resource."),
    (404, "Not Found",
     "The requested resource could not be found on the server. This is commonly returned when the URL path does not correspond to an existing resource."),
    (405, "Method Not Allowed",
     "The resource exists but does not support the HTTP method of the request. The Allow header lists the methods that it does support."),
    (406, "Not Acceptable",
     "The server cannot produce a representation that matches the Accept headers of the request. The client may relax its content negotiation preferences and try again."),
    (407, "Proxy Authentication Required",
     "The client must authenticate with the proxy before the request can go on. The proxy sends a Proxy-Authenticate header that says how."),
    (408, "Request Timeout",
     "The server did not receive a complete request within the time it was prepared to wait. The client may repeat the request on a new connection."),
    (409, "Conflict",
     "The request conflicts with the current state of the target resource, for example an edit based on an outdated version. The client may resolve the conflict and send the request again."),
    (410, "Gone",
     "The resource used to exist but has been removed on purpose and will not come back. Unlike 404, the server knows that the removal is permanent."),
    (411, "Length Required",
     "The server refuses the request because it has no Content-Length header. The client may repeat it with one."),
    (412, "Precondition Failed",
     "One or more conditions in the request headers, such as If-Match or If-Unmodified-Since, turned out false on the server. The request was not applied."),
    (413, "Content Too Large",
     "The request body is larger than the server is willing or able to process. The server may close the connection or say in Retry-After when to try again."),
    (414, "URI Too Long",
     "The target URI of the request is longer than the server is willing to interpret. It often follows a GET that carries too much data in its query string."),
    (415, "Unsupported Media Type",
     "The server refuses the request because its body is in a format the target resource does not support. The Content-Type or Content-Encoding of the request should be checked."),
    (416, "Range Not Satisfiable",
     "None of the ranges in the request's Range header overlap the current extent of the resource. The server cannot return the part that was asked for."),
    (417, "Expectation Failed",
     "The server cannot meet the expectation given in the request's Expect header. The client should repeat the request without it."),
    (418, "I'm a Teapot",
     "The server refuses to brew coffee because it is, permanently, a teapot. The code comes from an April Fools' RFC, and RFC 9110 reserves it as unused."),
    (421, "Misdirected Request",
     "The request reached a server that cannot produce a response for its target URI. This can happen when a connection is reused for a different host."),
    (422, "Unprocessable Content",
     "The server understands the content type and syntax of the request body but cannot act on what it contains. It is typically sent when well-formed input fails validation."),
    (423, "Locked",
     "The resource being accessed is locked and cannot be changed right now. WebDAV sends it while another client holds the lock."),
    (424, "Failed Dependency",
     "The request could not be performed because it depended on another action that failed. WebDAV sends it for the later steps of a failed batch."),
    (425, "Too Early",
     "The server is unwilling to process a request that might be replayed, such as one sent in TLS early data. The client can retry once the handshake is complete."),
    (426, "Upgrade Required",
     "The server refuses to perform the request over the current protocol but may do so after the client upgrades. The Upgrade header names the protocols it requires."),
    (428, "Precondition Required",
     "The server requires the request to be conditional, for example with an If-Match header. This prevents lost updates when several clients edit the same resource."),
    (429, "Too Many Requests",
     "The client has sent too many requests in a given amount of time and is being rate limited. A Retry-After header may say how long to wait before trying again."),
    (431, "Request Header Fields Too Large",
     "The server refuses the request because its header fields, one of them or all together, are too large. The client may retry after making them smaller."),
    (451, "Unavailable For Legal Reasons",
     "The server denies access to the resource because of a legal demand. The response should explain the demand and who made it."),

    # 5xx Server Error: the server failed to fulfill a request that looks valid.
    (500, "Internal Server Error",
     "A generic error message indicating that something unexpected went wrong on the server's side. This status code is used when no more specific error message is suitable."),
    (501, "Not Implemented",
     "The server does not support the functionality required to fulfill the request. It is the right answer when the server does not recognize the request method for any resource."),
    (502, "Bad Gateway",
     "The server, while acting as a gateway or proxy, received an invalid response from the upstream server it accessed. It indicates that the server acting as a gateway received an invalid response from the upstream server."),
    (503, "Service Unavailable",
     "The server is currently unable to handle the request due to temporary overloading or maintenance of the server. It is typically a temporary condition."),
    (504, "Gateway Timeout",
     "The server, while acting as a gateway or proxy, did not receive a timely response from the upstream server or some other auxiliary server it needed to access."),
    (505, "HTTP Version Not Supported",
     "The server does not support, or refuses to support, the major HTTP version of the request. The response should say which versions it does support."),
    (506, "Variant Also Negotiates",
     "The server is misconfigured: the variant it chose in content negotiation is itself set up to negotiate. The negotiation cannot come to an end."),
    (507, "Insufficient Storage",
     "The server cannot store the representation needed to complete the request. WebDAV sends it when the server runs out of space."),
    (508, "Loop Detected",
     "The server stopped an operation because it found an infinite loop while processing the request. WebDAV sends it for bindings that lead back to themselves."),
    (510, "Not Extended",
     "The client must add further extensions to the request before the server will fulfill it. The code comes from the experimental RFC 2774 and is now marked obsolete."),
    (511, "Network Authentication Required",
     "The client needs to authenticate to gain network access, typically at a captive portal. It is sent by an intercepting network device, not by the origin server."),
)
# fmt: on

STATUSES: Mapping[int, StatusInfo] = MappingProxyType(
    {code: StatusInfo(code, title, description) for code, title, description in _TABLE}
)
"""Every known HTTP status code, read-only: ``STATUSES[404].description``."""


# Descriptions for codes in a valid range that no registry entry covers (a foreign
# HTTPException(499), an upstream's 599): honest, and no more specific than we know.
UNREGISTERED = {
    4: (
        "Client Error",
        "The request could not be processed because of an error on the client's side.",
    ),
    5: ("Server Error", "The server failed to fulfill a request that appears to be valid."),
}


def title_and_description(code: int) -> tuple[str, str]:
    """Those of ``code``'s registry entry; for a code of 400-599 without one, those
    of its class (499: "Client Error")."""
    info = STATUSES.get(code)
    return (info.title, info.description) if info else UNREGISTERED[code // 100]


def type_slug(code: int) -> str:
    """The last segment of a problem type URI for ``code``: 404 -> "not-found"."""
    info = STATUSES.get(code)
    return slug(info.title if info else UNREGISTERED[code // 100][0])


def slug(title: str) -> str:
    """A title as a URI segment: "I'm a Teapot" -> "im-a-teapot"."""
    return "-".join(
        "".join(c if c.isalnum() else " " for c in title.replace("'", "")).lower().split()
    )


def class_slug(name: str) -> str:
    """A class name as a URI segment: "OutOfCredit" -> "out-of-credit",
    "HTTPVersionMismatch" -> "http-version-mismatch"."""
    words = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", name)
    return slug(re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", words))
