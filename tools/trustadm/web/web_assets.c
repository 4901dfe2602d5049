/*
 * web_assets.c - the style sheet and the one script (keyboard shortcuts)
 * of the reviewer's desk, served from memory: the pages load nothing
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
	"ul.history{margin:0;padding-left:1.2em}";

/* A, R, T, Q: approve, reason, pupils, back to the queue (not while typing). */
const char web_js[] =
	"document.addEventListener('keydown',function(e){"
	"var t=e.target.tagName;if(t==='INPUT'||t==='TEXTAREA'||e.ctrlKey||e.metaKey||e.altKey)return;"
	"var k=e.key.toLowerCase(),el;"
	"if(k==='a'&&(el=document.querySelector('#approve button'))){e.preventDefault();el.focus();}"
	"else if(k==='r'&&(el=document.getElementById('reason'))){e.preventDefault();el.focus();}"
	"else if(k==='t'&&(el=document.getElementById('pupils'))){e.preventDefault();el.focus();}"
	"else if(k==='q'){window.location='/';}});";
