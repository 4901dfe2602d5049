/*
 * web_assets.c - the style sheet and the one script (keyboard shortcuts
 * and drawing areas to blur) of the reviewer's desk, served from memory:
 * the pages load nothing
 * from anywhere else (the Content-Security-Policy forbids it).
 */
#include "web.h"

const char web_css[] =
	"*{box-sizing:border-box}"
	"body{margin:0;font:17px/1.5 'DejaVu Sans',Verdana,sans-serif;color:#1d2330;background:#f4f5f7}"
	"header{display:flex;align-items:center;gap:2em;padding:.7em 1.5em;background:#1f3a5f;color:#fff}"
	".brand{font-weight:bold;letter-spacing:.02em}"
	"nav a{color:#dfe8f5;text-decoration:none;margin-right:1.2em;padding:.3em .2em}"
	"nav a.here{color:#fff;border-bottom:3px solid #ffcf4a}"
	"main{max-width:1100px;margin:0 auto;padding:1em 1.5em 3em}"
	"h1{font-size:1.6em;margin:.4em 0}h2{font-size:1.2em;margin:0 0 .5em}"
	"h2 small,td small,dd small{font-weight:normal;color:#5b6475}"
	".help{color:#444c5c;max-width:60em}"
	"table{width:100%;border-collapse:collapse;background:#fff;box-shadow:0 1px 3px #0002}"
	"th,td{padding:.6em .8em;text-align:left;vertical-align:middle;border-bottom:1px solid #e3e6eb}"
	"th{background:#eef1f5;font-size:.9em;color:#3c4556}"
	"img.thumb{width:160px;height:110px;object-fit:cover;border-radius:4px;background:#d9dde3;"
	"display:block;color:#5b6475;font-size:.8em}"
	".photo{display:flex;gap:1.5em;flex-wrap:wrap;align-items:flex-start;margin-bottom:1em}"
	"img.full{max-width:640px;width:100%;min-height:200px;border-radius:6px;background:#d9dde3;"
	"color:#5b6475}"
	"dl{display:grid;grid-template-columns:auto 1fr;gap:.3em 1em;margin:0;min-width:18em}"
	"dt{color:#5b6475}dd{margin:0;font-weight:bold}"
	"section{background:#fff;padding:1em 1.2em;margin:1em 0;border-radius:6px;box-shadow:0 1px 3px #0002}"
	"label{display:block;margin:.4em 0}input[name=reason],input[name=pupils],input[name=pupil]"
	"{display:block;width:100%;max-width:32em;font-size:1em;padding:.45em;margin-top:.2em;"
	"border:1px solid #aab2bf;border-radius:4px}"
	".platforms{display:flex;flex-wrap:wrap;gap:.3em 1.5em;margin:.3em 0 .8em}"
	"label.platform{display:inline-block;padding:.35em .7em;border:1px solid #c9cfd8;border-radius:4px}"
	".okc{color:#1c7a3a}.noc{color:#a3321f}"
	"button,.button{font-size:1em;padding:.5em 1.2em;border:0;border-radius:4px;background:#1f3a5f;"
	"color:#fff;cursor:pointer;text-decoration:none;display:inline-block;margin-top:.4em}"
	"button.go{background:#1c7a3a}button.stop{background:#a3321f}"
	".banner{padding:.8em 1em;border-radius:6px;font-weight:bold}"
	".banner.ok{background:#dcf2e3;color:#12502a;border:1px solid #8fd0a5}"
	".banner.bad{background:#fbe3df;color:#7a1f10;border:1px solid #e29a8d}"
	".warn{color:#8a5a00;font-weight:bold}.bad{color:#a3321f;font-weight:bold}"
	".empty{padding:1.5em;text-align:center;color:#5b6475}"
	"ul.history{margin:0;padding-left:1.2em}"
	".pic{position:relative;max-width:640px;width:100%;flex:0 1 640px}"
	".pic img.full{display:block;min-height:0;cursor:crosshair}"
	".pic svg{position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none}"
	"rect.text{fill:none;stroke:#e0201b;stroke-width:3px;vector-effect:non-scaling-stroke}"
	"rect.blur{fill:#1f3a5f66;stroke:#1f3a5f;stroke-width:2px;stroke-dasharray:6 4;"
	"vector-effect:non-scaling-stroke}"
	".banner.warn{background:#fff3cd;color:#6b4700;border:1px solid #e5c766}"
	".note{color:#1c7a3a}"
	"input[name=areas]{display:block;width:100%;font-size:.95em;padding:.45em;margin-top:.2em;"
	"font-family:'DejaVu Sans Mono',monospace;border:1px solid #aab2bf;border-radius:4px}"
	"select{font-size:1em;padding:.3em;margin-left:.5em}"
	"img.preview{max-width:320px;width:100%;border-radius:4px;display:block}";

/*
 * A, R, T, B, E, Q: approve, reason, pupils, areas to blur, export, back
 * to the queue (not while typing).  A drag on the photo adds an area to
 * blur, in the photo's own pixels, and draws it.
 */
const char web_js[] =
	"document.addEventListener('keydown',function(e){"
	"var t=e.target.tagName;if(t==='INPUT'||t==='TEXTAREA'||t==='SELECT'||e.ctrlKey||"
	"e.metaKey||e.altKey)return;"
	"var k=e.key.toLowerCase(),el;"
	"if(k==='a'&&(el=document.querySelector('#approve button'))){e.preventDefault();el.focus();}"
	"else if(k==='r'&&(el=document.getElementById('reason'))){e.preventDefault();el.focus();}"
	"else if(k==='t'&&(el=document.getElementById('pupils'))){e.preventDefault();el.focus();}"
	"else if(k==='b'&&(el=document.getElementById('areas'))){e.preventDefault();el.focus();}"
	"else if(k==='e'&&(el=document.querySelector('#export button'))){e.preventDefault();el.focus();}"
	"else if(k==='q'){window.location='/';}});"
	"document.addEventListener('DOMContentLoaded',function(){"
	"var img=document.getElementById('full'),svg=document.getElementById('boxes'),"
	"f=document.getElementById('areas'),s=null;if(!img||!svg||!f)return;"
	"function at(e){var r=img.getBoundingClientRect(),v=svg.viewBox.baseVal;"
	"return[Math.max(0,Math.min(v.width,Math.round((e.clientX-r.left)*v.width/r.width))),"
	"Math.max(0,Math.min(v.height,Math.round((e.clientY-r.top)*v.height/r.height)))];}"
	"img.addEventListener('dragstart',function(e){e.preventDefault();});"
	"img.addEventListener('mousedown',function(e){s=at(e);e.preventDefault();});"
	"document.addEventListener('mouseup',function(e){if(!s)return;var p=at(e),"
	"x=Math.min(s[0],p[0]),y=Math.min(s[1],p[1]),w=Math.abs(p[0]-s[0]),h=Math.abs(p[1]-s[1]);"
	"s=null;if(w<4||h<4)return;"
	"var r=document.createElementNS('http://www.w3.org/2000/svg','rect');"
	"r.setAttribute('class','blur');r.setAttribute('x',x);r.setAttribute('y',y);"
	"r.setAttribute('width',w);r.setAttribute('height',h);svg.insertBefore(r,svg.firstChild);"
	"f.value=(f.value?f.value+';':'')+[x,y,w,h].join(',');});});";
