/**
 * The replay page's drawing of a structure frame (buddy-view.ts, callcache-view.ts) as SVG,
 * in the browser: `memraceDraw(frame, prev)` returns the markup, with whatever changed since
 * the previous turn's frame filled yellow and outlined red. Each part carries a data-*
 * attribute (data-order, data-site) and its values as text, which the headless test reads.
 */
export const STRUCTURE_SCRIPT = `(function(){
function e(s){return String(s).replace(/[&<>"']/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c];});}
function same(a,b){return JSON.stringify(a)===JSON.stringify(b);}
function box(x,y,w,h,changed,attr){return '<rect x="'+x+'" y="'+y+'" width="'+w+'" height="'+h+'" rx="3" fill="'+(changed?'#fff3b0':'#fff')+'" stroke="'+(changed?'#d62728':'#999')+'" stroke-width="'+(changed?2:1)+'"'+(attr||'')+'/>';}
function txt(x,y,s,cls,fill){return '<text x="'+x+'" y="'+y+'" class="'+(cls||'tick')+'"'+(fill?' style="fill:'+fill+'"':'')+'>'+e(s)+'</text>';}
function arrow(x1,x2,y){return '<line x1="'+x1+'" x2="'+(x2-6)+'" y1="'+y+'" y2="'+y+'" stroke="#555"/><path d="M'+(x2-7)+','+(y-4)+' L'+x2+','+y+' L'+(x2-7)+','+(y+4)+'z" fill="#555"/>';}
var LW=140,BW=90,BH=70;
function buddy(f,p){
  var orders=f.zones.length?f.zones[0].orders.length:0,W=LW+orders*(BW+4)+4,y=22,out='';
  out+=txt(LW,14,'free_area[order]: nr_free, then each migrate type\\'s list (length, first pfn)','axis');
  for(var o=0;o<orders;o++)out+=txt(LW+o*(BW+4)+4,y+10,'order '+o,'axis');
  y+=16;
  f.zones.forEach(function(z,zi){var pz=p&&p.zones[zi];
    out+='<g data-zone="'+e(z.name)+'">'+txt(4,y+16,z.name,'title')+txt(4,y+34,'NR_FREE_PAGES '+z.free,'tick',pz&&pz.free!==z.free?'#d62728':'');
    if(z.pcp.length)out+=txt(4,y+52,'pcp per CPU '+z.pcp.join(' / '),'tick',pz&&!same(pz.pcp,z.pcp)?'#d62728':'');
    z.orders.forEach(function(a,o){var x=LW+o*(BW+4),ch=pz&&!same(pz.orders[o],a);
      out+='<g data-order="'+o+'" data-nr-free="'+a.n+'">'+box(x,y,BW,BH,ch)+txt(x+6,y+18,String(a.n),'title');
      var shown=a.lists.length>3?2:3;
      a.lists.forEach(function(l,i){if(i<shown)out+=txt(x+6,y+36+i*14,l[0].slice(0,3)+' '+(l[1]<0?'4096+':l[1])+(l[2].length?' @'+l[2][0]:''));});
      if(a.lists.length>shown)out+=txt(x+6,y+64,'+'+(a.lists.length-shown)+' more lists');
      out+='<title>'+e('order '+o+': nr_free '+a.n+a.lists.map(function(l){return '; '+l[0]+' x'+(l[1]<0?'4096+':l[1])+': '+l[2].join(' ')+(l[1]<0||l[1]>l[2].length?' ...':'');}).join(''))+'</title></g>';});
    out+='</g>';y+=BH+10;});
  return '<svg class="chart" data-chart="buddy" width="'+W+'" height="'+y+'" viewBox="0 0 '+W+' '+y+'">'+out+'</svg>';}
function me(m){return m?'me '+m[0]+' of '+m[1]+', body '+m[2]:'no entry';}
function cc(f,p){
  var W=1060,y=34,out=txt(4,14,'design '+f.design+', class serial counter '+f.serial,'axis',p&&p.serial!==f.serial?'#d62728':'');
  out+=txt(4,28,'call site','axis')+txt(180,28,f.design==='ccs'?'cd->cc: klass, generation':'inline cache: class serial','axis')+txt(440,28,'method entry it runs','axis')+txt(700,28,'receivers: class serial, what a search finds now','axis');
  f.sites.forEach(function(s,i){var ps=p&&p.sites[i],ch=ps&&!same(ps,s),rows=Math.max(2,s.recv.length,s.ccs.length,s.imc.length),h=rows*14+10,mid=y+h/2;
    out+='<g data-site="'+s.site+'" data-cc="'+s.cc+'">'+box(2,y,160,h,ch)+txt(8,y+16,'site '+s.site,'title')+txt(8,y+30,'mid '+s.mid);
    var cached=[];
    if(f.design==='ccs'){out+=arrow(162,180,mid)+box(180,y,240,h,ch);
      if(!s.ccs.length)out+=txt(186,y+16,'vm_empty_cc');
      s.ccs.forEach(function(c,j){out+=txt(186,y+16+j*14,(s.pic?'PIC ':'')+'cc '+c[0]+': klass '+c[1]+', gen '+c[2]);cached.push({k:c[1],m:c[3]});});}
    else{out+=arrow(162,180,mid)+box(180,y,240,h,ch);
      s.imc.forEach(function(c,j){out+=txt(186,y+16+j*14,(s.imc.length>1?'copy '+j+': ':'')+'serial '+c[0]);cached.push({s:c[0],m:c[1]});});}
    out+=arrow(420,440,mid)+box(440,y,240,h,ch);
    cached.forEach(function(c,j){var inv=c.m&&c.m[3];out+=txt(446,y+16+j*14,me(c.m)+(inv?' INVALIDATED':''),'tick',inv?'#c62828':'');});
    s.recv.forEach(function(r,j){
      var hit=cached.filter(function(c){return c.k!==undefined?c.k===r[0]&&!(c.m&&c.m[3]):c.s===r[1];})[0],
        wrong=hit&&(hit.m?hit.m[2]:0)!==(r[2]?r[2][2]:0);
      out+=txt(700,y+16+j*14,r[0]+' serial '+r[1]+': '+me(r[2])+(hit?(wrong?'  \\u2717 the cache runs body '+(hit.m?hit.m[2]:0):'  \\u2713 cached'):''),'tick',wrong?'#c62828':'');});
    out+='</g>';y+=h+8;});
  return '<svg class="chart" data-chart="callcache" width="'+W+'" height="'+y+'" viewBox="0 0 '+W+' '+y+'">'+out+'</svg>';}
window.memraceDraw=function(f,p){return f.kind==='buddy'?buddy(f,p):f.kind==='callcache'?cc(f,p):'';};
})();`;
