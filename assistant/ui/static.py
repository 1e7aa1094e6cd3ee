"""The page's CSS and its one script: marker clicks open a citation in the panel, "open document" scrolls to
the span. Neither reads corpus text; the panel's HTML is built (and escaped) in ``evidence.py``."""

CSS = """
.gradio-container { max-width: 100% !important; }
#sitrep-chat { height: calc(100vh - 290px) !important; min-height: 320px; }
#sitrep-evidence { max-height: calc(100vh - 110px) !important; min-height: 320px; overflow-y: auto !important; }
.sitrep-panel h3 { margin: 0.2em 0 0.4em; }
.sitrep-group { margin: 0.8em 0 0.2em; font-size: 0.95em; }
.sitrep-cite, .sitrep-passage { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  margin: 8px 0; }
.sitrep-cite.sitrep-active { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent); }
.sitrep-meta { font-size: 0.85em; opacity: 0.8; margin: 2px 0 6px; }
.sitrep-context { line-height: 1.45; }
.sitrep-ok { color: #15803d; font-weight: 600; }
.sitrep-warn { color: #b45309; font-weight: 600; }
.sitrep-num { font-weight: 700; }
.sitrep-doc > summary, .sitrep-searched > summary { cursor: pointer; color: var(--color-accent); margin-top: 6px; }
.sitrep-doc-text { max-height: 45vh; overflow-y: auto; white-space: normal; border-top: 1px dashed
  var(--border-color-primary); margin-top: 6px; padding-top: 6px; }
.sitrep-panel mark { background: #fde68a; color: #111; padding: 0 1px; }
a.sitrep-marker { display: inline !important; font-weight: 600; text-decoration: none; cursor: pointer; }
.sitrep-refusal-note, .sitrep-rewritten { font-size: 0.9em; opacity: 0.85; margin-top: 6px; }
.sitrep-near-miss { font-size: 0.9em; margin-top: 6px; padding: 4px 8px; border-left: 3px solid #c9a227; }
.sitrep-kwrap { overflow-x: auto; }
.sitrep-ktable { border-collapse: collapse; width: 100%; font-size: 0.92em; }
.sitrep-ktable th, .sitrep-ktable td { border-bottom: 1px solid var(--border-color-primary); padding: 4px 6px;
  text-align: left; vertical-align: top; }
.sitrep-ktable td:last-child { min-width: 260px; }
.sitrep-kcite q { display: block; line-height: 1.4; }
@media (max-width: 760px) {
  #sitrep-chat { height: 60vh !important; }
  #sitrep-evidence { max-height: none !important; overflow-y: visible !important; }
}
"""

HEAD = """
<script>
(() => {
  function citation(turn, marker) {
    const el = document.getElementById(`sitrep-cite-${turn}-${marker}`);
    const status = document.querySelector('#sitrep-status');
    if (!el) {
      if (status) status.textContent = 'That citation belongs to an earlier answer; ask again to see it.';
      return;
    }
    document.querySelectorAll('.sitrep-cite.sitrep-active').forEach((c) => c.classList.remove('sitrep-active'));
    el.classList.add('sitrep-active');
    el.scrollIntoView({block: 'start'});
    el.focus({preventScroll: true});
  }
  document.addEventListener('click', (event) => {
    const link = event.target.closest ? event.target.closest('a[href^="#sitrep-cite-"]') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const m = /^#sitrep-cite-(\\d+)-(\\d+)$/.exec(link.getAttribute('href') || '');
    if (m) citation(m[1], m[2]);
  }, true);
  document.addEventListener('toggle', (event) => {
    const details = event.target;
    if (!details.classList || !details.classList.contains('sitrep-doc') || !details.open) return;
    const mark = document.getElementById(details.dataset.mark);
    if (mark) mark.scrollIntoView({block: 'center'});
  }, true);
})();
</script>
"""
