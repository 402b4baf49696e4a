"""The HTTP face of the simulator: aiohttp routes for discovery and the resource API."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import yaml
from aiohttp import web

from . import (
    conversion,
    discovery,
    listing,
    openapi,
    patch_requests,
    protobuf,
    scale,
    sizes,
    tables,
)
from .api import REQUEST, Api, RequestOptions
from .deletion import delete, request_policy, success_status
from .errors import (
    ApiError,
    bad_request,
    method_not_allowed,
    not_implemented,
    unsupported_media_type,
)
from .faults import Faults
from .routing import Target, parse
from .selectors import labels_match, parse_field_selector, parse_label_selector
from .traffic import Sent
from .watch import stream

log = logging.getLogger(__name__)
DEFAULT_WATCH_TIMEOUT = 1800.0
DROP_AFTER = web.RequestKey("drop_after", int)
LAG = web.RequestKey("lag", float)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def error_response(exc: ApiError) -> web.Response:
    return _json(exc.status(), exc.code, exc.headers)


class Server:
    """Routes requests to the API semantics; fault rules run before anything else."""

    def __init__(self, api: Api, faults: Faults, bookmark_interval: float = 1.0) -> None:
        self.api = api
        self.faults = faults
        self.bookmark_interval = bookmark_interval
        self.address = "127.0.0.1"

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        watch = request.query.get("watch") in ("true", "1") or "/watch/" in request.path
        fired = self.faults.take(request.method, request.path_qs, watch=watch)
        for rule in fired:
            if rule.action == "delay":
                await asyncio.sleep(rule.seconds)
        for rule in fired:
            if rule.action == "fail":
                headers = (
                    {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else None
                )
                return error_response(
                    ApiError(
                        rule.status,
                        rule.reason,
                        rule.message,
                        {"retryAfterSeconds": rule.retry_after}
                        if rule.retry_after is not None
                        else None,
                        headers,
                    )
                )
            if rule.action == "drop_watch":
                request[DROP_AFTER] = rule.after_events
            if rule.action == "lag_watch":
                request[LAG] = rule.seconds
        options = RequestOptions(request.query.get("fieldValidation") or "Warn")
        if options.field_validation not in ("Strict", "Warn", "Ignore"):
            return error_response(
                bad_request(
                    f'fieldValidation: Unsupported value: "{options.field_validation}": '
                    'supported values: "Ignore", "Strict", "Warn"'
                )
            )
        token = REQUEST.set(options)
        try:
            response = await handler(request)
            for warning in options.warnings:
                if not response.prepared:
                    response.headers.add("Warning", f'299 - "{_escape(warning)}"')
            return response
        except ApiError as exc:
            return error_response(exc)
        except Exception as exc:  # a simulator bug must surface as a loud 500, not a hang
            log.exception("kubesim internal error on %s %s", request.method, request.path_qs)
            return error_response(
                ApiError(500, "InternalError", f"kubesim internal error: {exc!r}")
            )
        finally:
            REQUEST.reset(token)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        accept = request.headers.get("Accept", "")
        if accept and not any(
            t.split(";")[0].strip() in ("application/json", "*/*", "application/*")
            for t in accept.split(",")
        ):
            raise ApiError(
                406,
                "NotAcceptable",
                f"kubesim only answers application/json (and Tables "
                f"as JSON); the request accepts only {accept!r}",
            )
        registry = self.api.registry
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok")
        if path == "/version":
            return _json(discovery.VERSION)
        if path == "/api":
            return _json(discovery.core_versions(f"{self.address}"))
        if path == "/apis":
            return _json(discovery.group_list(registry))
        if path == "/openapi/v3":
            return _json(openapi.root(registry))
        if path.startswith("/openapi/v3/"):
            prefix = path[len("/openapi/v3/") :].split("/")
            group, version = ("", prefix[1]) if prefix[0] == "api" else (prefix[1], prefix[2])
            doc = openapi.group_version(registry, group, version) if len(prefix) >= 2 else None
            if doc is None:
                raise ApiError(404, "NotFound", f"no OpenAPI v3 document for {path}")
            return _json(doc)
        if path.startswith("/openapi"):
            raise ApiError(
                404,
                "NotFound",
                "kubesim does not serve OpenAPI v2 ({path}); "
                "OpenAPI v3 at /openapi/v3 lists operations without type schemas",
            )
        parts = [p for p in path.split("/") if p]
        if parts == ["api", "v1"] or (parts[:1] == ["apis"] and len(parts) == 3):
            group, version = ("", "v1") if parts[0] == "api" else (parts[1], parts[2])
            body = discovery.resource_list(registry, group, version)
            if body is None:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            return _json(body)
        if parts[:1] == ["apis"] and len(parts) == 2:
            body = discovery.group(registry, parts[1])
            if body is None:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            return _json(body)
        target = parse(registry, path)
        return await self._resource(request, target)

    async def _body(self, request: web.Request) -> Any:
        raw = await request.read()
        sizes.check_request_body(raw)
        ctype = request.content_type
        if not raw:
            return None
        if ctype == "application/vnd.kubernetes.protobuf":
            return protobuf.decode(raw)
        if "protobuf" in ctype or "cbor" in ctype:
            raise unsupported_media_type(
                ctype,
                "application/json, application/yaml, "
                "application/vnd.kubernetes.protobuf (some kinds)",
            )
        try:
            if "yaml" in ctype:
                return yaml.load(raw.decode(), Loader=patch_requests.SAFE_LOADER)
            return json.loads(raw.decode())
        except (ValueError, yaml.YAMLError) as exc:
            raise bad_request(f"error decoding request body: {exc}") from None

    @staticmethod
    def _manager(request: web.Request) -> str:
        manager = request.query.get("fieldManager")
        if manager:
            return manager
        agent = request.headers.get("User-Agent", "unknown")
        return agent.split("/")[0].split(" ")[0] or "unknown"

    async def _resource(self, request: web.Request, target: Target) -> web.StreamResponse:
        rtype, ns, name, sub = target.rtype, target.namespace, target.name, target.subresource
        query = request.query
        dry_run = query.get("dryRun") == "All"
        method = request.method
        if name is None:
            if method == "GET":
                return await self._collection_get(request, target)
            if method == "POST":
                if rtype.namespaced and ns is None:
                    raise method_not_allowed(method, f"{rtype.plural} without a namespace")
                body = await self._body(request)
                created = self.api.create(
                    rtype, ns or "", body, manager=self._manager(request), dry_run=dry_run
                )
                return _json(created, 201)
            if method == "DELETE":
                return await self._delete_collection(request, target)
            raise method_not_allowed(method, rtype.plural)
        ns_key = ns or ""
        if sub == "scale":
            return await self._scale(request, target)
        if method == "GET":
            if target.watch_path:
                raise not_implemented(
                    "watch of a single object by the legacy /watch/ path; "
                    "use ?watch=true&fieldSelector=metadata.name=NAME"
                )
            convert = conversion.negotiate(request.headers.get("Accept", ""))
            obj = self.api.get(rtype, ns_key, name)
            if convert is not None and convert[0] != "Table":
                return _json(conversion.partial_object(rtype, obj, *convert))
            if convert is not None:
                return _json(
                    tables.table(
                        rtype,
                        [obj],
                        {"resourceVersion": obj["metadata"]["resourceVersion"]},
                        query.get("includeObject", "PartialObjectMetadata"),
                    )
                )
            return _json(obj)
        if method == "PUT":
            body = await self._body(request)
            return _json(
                self.api.update(
                    rtype,
                    ns_key,
                    name,
                    body,
                    manager=self._manager(request),
                    subresource=sub,
                    dry_run=dry_run,
                )
            )
        if method == "PATCH":
            raw = await request.read()
            force = query.get("force") in ("true", "1")
            manager = query.get("fieldManager") or (
                None
                if request.content_type == "application/apply-patch+yaml"
                else self._manager(request)
            )
            obj, created = patch_requests.patch(
                self.api,
                rtype,
                ns_key,
                name,
                request.content_type,
                raw,
                manager=manager,
                force=force,
                subresource=sub,
                dry_run=dry_run,
            )
            return _json(obj, 201 if created else 200)
        if method == "DELETE":
            if sub:
                raise method_not_allowed(method, f"{rtype.plural}/{sub}")
            options = await self._body(request) or {}
            policy = request_policy(rtype, options, query)
            obj, removed = delete(
                self.api, rtype, ns_key, name, options, policy=policy, dry_run=dry_run
            )
            if removed and not rtype.is_custom:
                return _json(success_status(rtype, obj))
            return _json(obj, 200 if removed else 202)
        raise method_not_allowed(method, f"{rtype.plural}/{name}")

    async def _collection_get(self, request: web.Request, target: Target) -> web.StreamResponse:
        rtype, query = target.rtype, request.query
        labels = parse_label_selector(query.get("labelSelector"))
        selectable = {
            f["jsonPath"].lstrip(".")
            for v in ((rtype.crd or {}).get("spec") or {}).get("versions", [])
            if v["name"] == rtype.version
            for f in v.get("selectableFields") or []
        }
        fields = parse_field_selector(
            query.get("fieldSelector"), rtype.group, rtype.plural, selectable
        )

        def match(obj: dict[str, Any]) -> bool:
            return labels_match(labels, obj) and fields(obj)

        if query.get("watch") in ("true", "1") or target.watch_path:
            rv = query.get("resourceVersion")
            send_initial = query.get("sendInitialEvents") == "true"
            since = None if (not rv or rv == "0" or send_initial) else listing.int_rv(rv)
            timeout = float(query.get("timeoutSeconds") or DEFAULT_WATCH_TIMEOUT)
            render = None
            convert = conversion.negotiate(request.headers.get("Accept", ""))
            if convert is not None and convert[0] == "PartialObjectMetadataList":
                raise not_implemented(
                    "a watch as PartialObjectMetadataList (kube-apiserver then sends whole "
                    "objects); watch with as=PartialObjectMetadata"
                )
            if convert is not None and convert[0] == "PartialObjectMetadata":
                version = convert[1]

                def render(obj: dict[str, Any]) -> dict[str, Any]:
                    if obj.get("kind") == "Status":
                        return obj
                    return conversion.partial(obj, version)

            elif convert is not None:
                include = query.get("includeObject", "PartialObjectMetadata")

                def render(obj: dict[str, Any]) -> dict[str, Any]:
                    if obj.get("kind") == "Status":
                        return obj
                    return tables.table(
                        rtype,
                        [obj],
                        {"resourceVersion": obj["metadata"]["resourceVersion"]},
                        include,
                    )

            return await stream(
                request,
                self.api,
                target,
                match,
                since=since,
                render=render,
                render_bookmarks=convert is not None and convert[0] != "Table",
                send_initial=send_initial,
                bookmarks=query.get("allowWatchBookmarks") == "true",
                timeout=timeout,
                bookmark_interval=self.bookmark_interval,
                drop_after=request.get(DROP_AFTER),
                lag=request.get(LAG, 0.0),
            )
        convert = conversion.negotiate(request.headers.get("Accept", ""))
        items, rv = self.api.list(rtype, target.namespace)
        items, meta = listing.page([o for o in items if match(o)], query, rv, self.api.store)
        if convert is not None and convert[0] != "Table":
            response = _json(conversion.partial_list(rtype, items, meta, *convert))
        elif convert is not None:
            response = _json(
                tables.table(
                    rtype, items, meta, query.get("includeObject", "PartialObjectMetadata")
                )
            )
        else:
            response = _json(
                {
                    "kind": f"{rtype.kind}List",
                    "apiVersion": rtype.api_version,
                    "metadata": meta,
                    "items": items,
                }
            )
        self.api.traffic.record(Sent(request.path, query.get("labelSelector", ""), False,
                                     len(items), len(response.body or b""),
                                     tuple(o["metadata"]["name"] for o in items),
                                     request.headers.get("User-Agent", "")))
        return response

    async def _delete_collection(self, request: web.Request, target: Target) -> web.StreamResponse:
        rtype, query = target.rtype, request.query
        labels = parse_label_selector(query.get("labelSelector"))
        fields = parse_field_selector(query.get("fieldSelector"), rtype.group, rtype.plural)
        options = await self._body(request) or {}
        policy = request_policy(rtype, options, query)
        items, _ = self.api.list(rtype, target.namespace)
        deleted = []
        for obj in items:
            if labels_match(labels, obj) and fields(obj):
                meta = obj["metadata"]
                result, _ = delete(
                    self.api,
                    rtype,
                    meta.get("namespace", ""),
                    meta["name"],
                    {},
                    policy=policy,
                    dry_run=query.get("dryRun") == "All",
                )
                deleted.append(result)
        return _json(
            {
                "kind": f"{rtype.kind}List",
                "apiVersion": rtype.api_version,
                "metadata": {"resourceVersion": str(self.api.store.resource_version)},
                "items": deleted,
            }
        )

    async def _scale(self, request: web.Request, target: Target) -> web.StreamResponse:
        rtype, ns, name = target.rtype, target.namespace or "", target.name or ""
        current = self.api.get(rtype, ns, name)
        if request.method == "GET":
            return _json(scale.to_scale(rtype, current))
        if request.method == "PUT":
            body = await self._body(request) or {}
        elif request.method == "PATCH":
            from .patching import merge_patch, strategic_merge_patch

            patch = json.loads((await request.read()).decode() or "{}")
            base = scale.to_scale(rtype, current)
            if request.content_type == "application/merge-patch+json":
                body = merge_patch(base, patch)
            elif request.content_type == "application/strategic-merge-patch+json":
                body = strategic_merge_patch(base, patch)
            else:
                raise unsupported_media_type(
                    request.content_type,
                    "application/merge-patch+json, application/strategic-merge-patch+json",
                )
        else:
            raise method_not_allowed(request.method, f"{rtype.plural}/scale")
        updated = self.api.update(
            rtype,
            ns,
            name,
            scale.with_replicas(rtype, current, body),
            manager=self._manager(request),
        )
        return _json(scale.to_scale(rtype, updated))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
