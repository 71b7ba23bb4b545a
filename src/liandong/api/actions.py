"""One POST endpoint per lifecycle action, built from the lifecycle's transition table."""

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.orm import Session

from liandong.api.deps import SessionDep
from liandong.core.ids import IdPath
from liandong.core.lifecycle import Lifecycle
from liandong.security.principal import Principal

# perform(session, principal, entity_id, action, body) -> the read model of the changed record
Perform = Callable[[Session, Principal, int, str, BaseModel], BaseModel]


def add_action_routes(
    router: APIRouter,
    *,
    lifecycle: Lifecycle,
    bodies: Mapping[str, type[BaseModel]],
    id_name: str,
    principal: Any,
    perform: Perform,
    response_model: type[BaseModel],
    noun: str,
) -> None:
    """`POST /{id}/{action}` for every action of `lifecycle` (409 names the state when it is not allowed)."""
    for action in sorted(lifecycle.actions):
        router.add_api_route(
            f"/{{{id_name}}}/{action.replace('_', '-')}",
            _endpoint(
                action, bodies[action], id_name=id_name, principal=principal, perform=perform, noun=noun
            ),
            methods=["POST"],
            response_model=response_model,
            summary=f"{noun.replace('_', ' ').capitalize()} action: {action}",
            responses={409: {"description": "action not allowed in the current state"}},
        )


def _endpoint(
    action: str, body_cls: type[BaseModel], *, id_name: str, principal: Any, perform: Perform, noun: str
) -> Callable[..., BaseModel]:
    def endpoint(**kwargs: Any) -> BaseModel:
        return perform(kwargs["session"], kwargs["principal"], kwargs[id_name], action, kwargs["body"])

    # FastAPI reads the parameters from the signature: the path id keeps its own name in the OpenAPI document.
    keyword = inspect.Parameter.KEYWORD_ONLY
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(id_name, keyword, annotation=IdPath),
            inspect.Parameter("body", keyword, annotation=body_cls),
            inspect.Parameter("session", keyword, annotation=SessionDep),
            inspect.Parameter("principal", keyword, annotation=principal),
        ]
    )
    endpoint.__name__ = f"{noun}_{action}"
    return endpoint
