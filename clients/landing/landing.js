// The landing page: start a meeting (POST /api/meetings) and show its links.
const $ = (s) => document.querySelector(s);

$("#create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = $("#title").value.trim();
  const error = $("#create-error");
  if (!title) { error.textContent = "Please give the meeting a title."; $("#title").focus(); return; }
  $("#create-button").disabled = true;
  try {
    const response = await fetch("/api/meetings", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error?.message || "The meeting could not be created.");
    error.textContent = "";
    for (const name of ["facilitator", "screen", "join"]) {
      const link = $(`#${name}-url`);
      link.href = link.textContent = body[`${name}_url`];
    }
    $("#open-console").href = body.facilitator_url;
    $("#open-screen").href = body.screen_url;
    $("#created-title").textContent = body.title;
    $("#created-code").textContent = body.code;
    $("#create-form").hidden = true;
    $("#created").hidden = false;
    $("#created").focus();
  } catch (err) {
    error.textContent = err.message;
  } finally {
    $("#create-button").disabled = false;
  }
});
