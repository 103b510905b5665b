import type { TraceEntry } from '../det/trace.js';
import type { Frames } from './rewind.js';
import { STRUCTURE_SCRIPT } from './structure-script.js';

/**
 * The replay stepper: step forward and back through a schedule's turns, with the memory it
 * touched drawn as it is after the turn — a ring's heads, tails and slots where the scenario
 * has a ring; the structure of `frames` (a buddy free_area, call caches: structures.ts) where
 * it has one, what the turn changed marked; and every named word the schedule touched as a
 * table of values, the current turn's word marked.
 *
 * The page state is rebuilt from the trace in the browser: the value a word holds after a
 * turn is what the turn wrote (store, write, a CAS that won) or read (load, read, a CAS
 * that lost). `#click=next,next,prev` in the URL clicks the buttons once the page loads, so
 * a headless browser can prove the clicks change the drawing.
 */
export function stepperHtml(trace: readonly TraceEntry[], roles: readonly string[], frames: Frames | null = null): string {
  const data = trace.map((e) => [e.actor, e.access, e.name, e.detail]);
  const json = JSON.stringify({ roles, data, ...(frames ?? {}) }).replace(/</g, '\\u003c');
  return `<h2>Step through</h2>
<p class="muted">Each turn, and the memory as it stands after it. Keys: ← → step, Home End jump.</p>
<div id="stepper" data-step="0">
<p><button id="st-first" type="button">first</button> <button id="st-prev" type="button">◀ back</button>
<button id="st-next" type="button">forward ▶</button> <button id="st-last" type="button">last</button>
<input id="st-range" type="range" min="0" max="${Math.max(0, trace.length - 1)}" value="0" style="width:40%;vertical-align:middle">
<span id="st-pos"></span></p>
<p id="st-turn" class="turn"></p>
<div id="st-ring"></div>
<div id="st-struct"${frames ? ' class="scroll"' : ''}></div>
<div class="scroll" style="max-height:420px;overflow-y:auto"><table id="st-words"><thead><tr><th>word</th><th>value</th><th>last turn</th></tr></thead><tbody></tbody></table></div>
</div>
<script id="st-data" type="application/json">${json}</script>
<script>${STRUCTURE_SCRIPT}</script>
<script>${STEPPER_SCRIPT}</script>`;
}

/** The value a word holds after an access, from the access's detail text; null when it tells none. */
const STEPPER_SCRIPT = `(function(){
var d=JSON.parse(document.getElementById('st-data').textContent),T=d.data,root=document.getElementById('stepper');
if(!T.length)return;
function after(a,det){var m;
  if(a==='store'||a==='write'){m=/^= (-?\\d+)/.exec(det);return m?+m[1]:null;}
  if(a==='load'||a==='read'){m=/^-> (-?\\d+)/.exec(det);return m?+m[1]:null;}
  if(a==='cas'){m=/^expect (-?\\d+) -> (-?\\d+): (ok|failed, found (-?\\d+))/.exec(det);return m?(m[3]==='ok'?+m[2]:+m[4]):null;}
  return null;}
var names=[],seen={};T.forEach(function(e){if(e[2]&&!seen[e[2]]){seen[e[2]]=1;names.push(e[2]);}});
names.sort();
var tbody=document.querySelector('#st-words tbody'),box=document.getElementById('st-words').parentNode,rows={};
names.forEach(function(n){var tr=document.createElement('tr');tr.setAttribute('data-word',n);
  tr.innerHTML='<td></td><td class="v">·</td><td class="t"></td>';tr.firstChild.textContent=n;tbody.appendChild(tr);rows[n]=tr;});
function state(k){var v={},w={};for(var i=0;i<=k;i++){var e=T[i],x=after(e[1],e[3]);if(e[2]&&x!==null){v[e[2]]=x;w[e[2]]=i;}}return {v:v,w:w};}
function q(x){return x===undefined?'?':x;}
function ringSvg(s,k){var size=s.v['ring.size'];if(size===undefined)return '';
  var n=Math.min(size,64),cw=Math.max(14,Math.min(40,Math.floor(1000/n))),h=110,W=n*cw+120;
  var ph=s.v['ring.prod.head'],pt=s.v['ring.prod.tail'],ch=s.v['ring.cons.head'],ct=s.v['ring.cons.tail'];
  var out='<svg class="chart" data-chart="ring" width="'+W+'" height="'+h+'" viewBox="0 0 '+W+' '+h+'"><text x="4" y="14" class="title">ring'+(size>n?' (first '+n+' of '+size+' slots)':'')+': prod head '+q(ph)+' tail '+q(pt)+', cons head '+q(ch)+' tail '+q(ct)+'</text>';
  for(var i=0;i<n;i++){var id=s.v['ring.slot['+i+'].id'],used=ct!==undefined&&pt!==undefined&&((i-ct)&(size-1))<((pt-ct)&(size-1));
    var cur=T[k][2]&&T[k][2].indexOf('ring.slot['+i+']')===0;
    out+='<rect x="'+(60+i*cw)+'" y="40" width="'+(cw-2)+'" height="28" fill="'+(used?'#c6dbef':'#f4f4f4')+'" stroke="'+(cur?'#d62728':'#999')+'" stroke-width="'+(cur?2:1)+'" data-slot="'+i+'"/>';
    if(id!==undefined&&cw>=20)out+='<text x="'+(60+i*cw+cw/2-1)+'" y="58" text-anchor="middle" class="tick">'+id+'</text>';}
  function mark(pos,label,y,c){if(pos===undefined)return '';var x=60+(pos&(size-1))*cw+cw/2-1;if((pos&(size-1))>=n)return '';
    return '<line x1="'+x+'" x2="'+x+'" y1="'+(y<40?y+4:y-12)+'" y2="'+(y<40?38:70)+'" stroke="'+c+'"/><text x="'+x+'" y="'+y+'" text-anchor="middle" class="tick" style="fill:'+c+'" data-mark="'+label+'">'+label+'</text>';}
  out+=mark(ph,'prod.head',30,'#d62728')+mark(pt,'prod.tail',24,'#ff7f0e')+mark(ch,'cons.head',92,'#1f77b4')+mark(ct,'cons.tail',104,'#2ca02c');
  return out+'</svg>';}
function show(k){k=Math.max(0,Math.min(T.length-1,k));root.setAttribute('data-step',k);
  var e=T[k],s=state(k);document.getElementById('st-range').value=k;
  document.getElementById('st-pos').textContent='turn '+k+' of '+(T.length-1);
  document.getElementById('st-turn').textContent='#'+k+' a'+e[0]+' '+d.roles[e[0]]+': '+e[1]+' '+e[2]+' '+e[3];
  names.forEach(function(n){var tr=rows[n];tr.children[1].textContent=n in s.v?s.v[n]:'·';tr.children[2].textContent=n in s.w?'#'+s.w[n]:'';
    tr.className=n===e[2]?'hot':'';});
  document.getElementById('st-ring').innerHTML=ringSvg(s,k);
  if(d.frames)document.getElementById('st-struct').innerHTML=memraceDraw(d.frames[d.at[k]],k?d.frames[d.at[k-1]]:d.start);
  var cur=rows[e[2]];if(cur){var b=box.getBoundingClientRect(),r=cur.getBoundingClientRect();if(r.top<b.top||r.bottom>b.bottom)box.scrollTop+=r.top-b.top-b.height/2;}}
function cur(){return +root.getAttribute('data-step');}
var act={'st-first':function(){show(0);},'st-prev':function(){show(cur()-1);},'st-next':function(){show(cur()+1);},'st-last':function(){show(T.length-1);}};
Object.keys(act).forEach(function(id){document.getElementById(id).addEventListener('click',act[id]);});
document.getElementById('st-range').addEventListener('input',function(ev){show(+ev.target.value);});
document.addEventListener('keydown',function(ev){var m={ArrowLeft:'st-prev',ArrowRight:'st-next',Home:'st-first',End:'st-last'}[ev.key];if(m)act[m]();});
show(0);
var m=/click=([a-z,]+)/.exec(location.hash);
if(m)m[1].split(',').forEach(function(b){var el=document.getElementById('st-'+b);if(el)el.click();});
})();`;

