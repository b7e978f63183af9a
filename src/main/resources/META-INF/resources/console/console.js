// The console's page script (a static file: the Content-Security-Policy allows no inline script).
// htmx must not add its indicator <style> element, which the policy would refuse.
htmx.config.includeIndicatorStyles = false;

document.addEventListener('htmx:sseOpen', function () {
  var live = document.getElementById('live');
  if (live) { live.classList.add('on'); live.classList.remove('off'); }
});
document.addEventListener('htmx:sseError', function () {
  var live = document.getElementById('live');
  if (live) { live.classList.add('off'); live.classList.remove('on'); }
});
