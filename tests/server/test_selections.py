"""A selection too large for a link is stored server-side and named by a content id."""

D = "sentiment"


def ids_of(client, n=None):
    rows = client.get(f"/api/datasets/{D}/rows", params={"limit": 1000}).json()["rows"]
    return [r["id"] for r in rows][:n]


def test_a_selection_round_trips_under_a_content_id(client):
    ids = ids_of(client)
    picked = ids[::2]
    r = client.post("/api/selections", json={"dataset": D, "ids": picked})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert r.json()["count"] == len(picked) and len(sid) == 21 and sid.startswith("s")
    # the same rows give the same id; other rows (or another order) another
    assert client.post("/api/selections", json={"dataset": D, "ids": picked}).json()["id"] == sid
    other = client.post("/api/selections", json={"dataset": D, "ids": picked[::-1]}).json()
    assert other["id"] != sid
    got = client.get(f"/api/selections/{sid}")
    assert got.status_code == 200 and got.json() == {"id": sid, "dataset": D, "ids": picked}


def test_selection_errors_name_the_field_and_the_next_step(client):
    r = client.post("/api/selections", json={"dataset": D, "ids": ["nope"]})
    assert r.status_code == 404 and "ids" in r.text and "nope" in r.text
    r = client.post("/api/selections", json={"dataset": "nowhere", "ids": ["x"]})
    assert r.status_code == 404 and "nowhere" in r.text
    r = client.post("/api/selections", json={"dataset": D, "ids": []})
    assert r.status_code == 422 and "ids" in r.text
    r = client.get("/api/selections/s0123456789abcdef0123")
    assert r.status_code == 404 and "select the rows again" in r.text
    assert client.get("/api/selections/../state").status_code == 404


def test_a_saved_datapoint_can_be_in_a_stored_selection(client):
    dp = client.post(f"/api/datasets/{D}/datapoints",
                     json={"example": {"text": "brand new row"}, "parent": None}).json()
    ids = [*ids_of(client, 3), dp["id"]]
    sid = client.post("/api/selections", json={"dataset": D, "ids": ids}).json()["id"]
    assert client.get(f"/api/selections/{sid}").json()["ids"] == ids
