"""Every route's access rules, for each role and without a login, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Web, csrf_of

ROLES = (None, "analist", "reviewer", "beheerder")


def _get(web: Web, role: str | None, path: str) -> int:
    return int(web.client(role).get(path).status_code)


def _post(web: Web, role: str | None, path: str, data: dict[str, Any] | None = None) -> int:
    client = web.client(role)
    token = csrf_of(client.get("/runs" if role else "/").text) if role else client.cookies.get("vg_pre", "x")
    return int(client.post(path, data={"csrf": token, **(data or {})}).status_code)


def test_get_routes_follow_the_roles(web: Web) -> None:
    a, b = web.released, web.awaiting
    expected: dict[str, tuple[int, int, int, int]] = {
        # path: (anonymous, analist, reviewer, beheerder)
        "/": (200, 303, 303, 303),
        "/runs": (401, 200, 200, 200),
        f"/runs/{a}": (401, 200, 200, 403),
        f"/runs/{b}": (401, 403, 200, 403),
        f"/runs/{a}/signalen/1": (401, 200, 200, 403),
        f"/runs/{b}/signalen/1": (401, 403, 200, 403),
        f"/runs/{a}/signalen/1/netwerk.svg": (401, 200, 200, 403),
        f"/runs/{b}/signalen/1/netwerk.svg": (401, 403, 200, 403),
        f"/runs/{a}/beoordeling": (401, 403, 200, 403),
        f"/runs/{b}/beoordeling": (401, 403, 200, 403),
        f"/runs/{a}/ethiek/modelkaart": (401, 200, 200, 403),
        f"/runs/{b}/ethiek/fairness": (401, 403, 200, 403),
        f"/runs/{a}/export.csv": (401, 200, 200, 403),
        f"/runs/{a}/export.xlsx": (401, 200, 200, 403),
        f"/runs/{b}/export.csv": (401, 403, 409, 403),
        "/beheer/accounts": (401, 403, 403, 200),
        "/runs/bestaat-niet": (401, 404, 404, 403),
    }
    got = {path: tuple(_get(web, role, path) for role in ROLES) for path in expected}
    assert got == expected


def test_post_routes_follow_the_roles(web: Web) -> None:
    a, b = web.released, web.awaiting
    verdict = {"uitkomst": "lopend", "toelichting": "bezoek gepland"}
    decision = {"besluit": "reject", "motivering": "test van de toegang"}
    account = {"naam": "nieuw", "rol": "analist", "wachtwoord": "nog-een-lang-wachtwoord"}
    expected: dict[tuple[str, str], tuple[int, int, int, int]] = {
        (f"/runs/{a}/signalen/1/verdict", "v"): (401, 303, 403, 403),
        (f"/runs/{b}/signalen/1/verdict", "v"): (401, 403, 403, 403),
        (f"/runs/{b}/besluit", "d"): (401, 403, 303, 403),
        (f"/runs/{a}/vrijgeven", "-"): (401, 403, 409, 403),
        ("/beheer/accounts", "a"): (401, 403, 403, 303),
        ("/beheer/accounts/wijzig", "w"): (401, 403, 403, 400),
        ("/logout", "-"): (401, 303, 303, 303),
    }
    bodies = {"v": verdict, "d": decision, "a": account, "w": {"account": "999", "wat": "blokkeren"}, "-": {}}
    got = {}
    for (path, body), _ in expected.items():
        codes = []
        for role in ROLES:
            data = dict(bodies[body])
            if body == "a" and role:
                data["naam"] = f"nieuw-{role}"
            codes.append(_post(web, role, path, data))
        got[(path, body)] = tuple(codes)
    assert got == expected


def test_analyst_sees_released_runs_only_and_cannot_approve(web: Web) -> None:
    client = web.client("analist")
    overview = client.get("/runs").text
    assert web.released in overview and web.awaiting not in overview
    assert "/beoordeling" not in overview
    token = csrf_of(overview)
    refused = client.post(
        f"/runs/{web.awaiting}/besluit", data={"csrf": token, "besluit": "approve", "motivering": "x"}
    )
    assert refused.status_code == 403
    assert client.post(f"/runs/{web.awaiting}/vrijgeven", data={"csrf": token}).status_code == 403
    from vastgoed.ethics.review import read_decisions

    assert read_decisions(web.out / web.awaiting) == []


@pytest.mark.parametrize("role", ["analist", "reviewer", "beheerder"])
def test_each_role_logs_in_and_out(web: Web, role: str) -> None:
    client = web.client()
    from tests.web.conftest import USERS, login

    response = login(client, USERS[role])
    assert response.status_code == 303 and response.headers["location"] == "/runs"
    assert client.get("/runs").status_code == 200
    token = csrf_of(client.get("/runs").text)
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    assert client.get("/runs").status_code == 401
