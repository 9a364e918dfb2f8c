// Live batch progress: the server pushes the <BatchProgress> fragment over SSE; we swap it by id.
// Without JavaScript the page still shows the state as of loading it.
document.addEventListener('DOMContentLoaded', () => {
  for (const holder of document.querySelectorAll('[data-sse-src]')) {
    const source = new EventSource(holder.dataset.sseSrc)
    source.addEventListener('progress', (event) => {
      const target = document.getElementById(holder.dataset.sseTarget)
      if (target) target.outerHTML = event.data
    })
    // The server says why it ends the stream (batch over, signed out, a newer tab): no reconnect.
    // A stream that just closes (the server restarting) is reconnected by EventSource itself.
    source.addEventListener('end', () => source.close())
  }
})
