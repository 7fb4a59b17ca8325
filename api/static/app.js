// The ops page: reads the funnel, the five measures, the pipeline (PV1) and the stuck list with
// the entered token. Plain browser JavaScript, no build step and nothing loaded from other hosts.
(function () {
  'use strict';
  var RATES = [
    ['qualificationRate', 'Qualification rate'],
    ['proposalRate', 'Proposal rate'],
    ['closeRate', 'Close rate'],
    ['dormantRecovery', 'Dormant recovery'],
    ['handoffCompleteness', 'Handoff completeness'],
  ];
  var TOKEN_KEY = 'opportunity-path.token';
  var SVG = 'http://www.w3.org/2000/svg';
  var $ = function (id) {
    return document.getElementById(id);
  };
  var nextCursor = null;

  function el(tag, attrs, text) {
    var node = tag.indexOf('svg:') === 0 ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function api(path) {
    return fetch(path, { headers: { authorization: 'Bearer ' + $('token').value.trim() } }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(response.status + ' ' + (body.detail || body.title || 'error'));
        return body;
      });
    });
  }

  function isoOf(input) {
    return input.value ? new Date(input.value).toISOString() : null;
  }

  function withQuery(path, params) {
    var owner = $('owner').value.trim();
    if (owner) params.set('ownerId', owner);
    var query = params.toString();
    return path + (query ? '?' + query : '');
  }

  function funnelPath() {
    var params = new URLSearchParams();
    if (isoOf($('from'))) params.set('from', isoOf($('from')));
    if (isoOf($('to'))) params.set('to', isoOf($('to')));
    return withQuery('/v1/metrics/funnel', params);
  }

  function pipelinePath() {
    var params = new URLSearchParams();
    if (isoOf($('from'))) params.set('from', isoOf($('from')));
    if (isoOf($('to'))) params.set('to', isoOf($('to')));
    return withQuery('/v1/metrics/pipeline', params);
  }

  function stuckPath(cursor) {
    var params = new URLSearchParams({ limit: '50' });
    if (cursor) params.set('cursor', cursor);
    return withQuery('/v1/ops/stuck', params);
  }

  // The API lists the stages in path order, so the page spells none of them out.
  function drawFunnel(counts) {
    var width = 640,
      barHeight = 22,
      gap = 6,
      labelWidth = 90,
      valueWidth = 40;
    var stages = Object.keys(counts);
    var max = Math.max.apply(
      null,
      stages
        .map(function (s) {
          return counts[s];
        })
        .concat([1]),
    );
    var svg = el('svg:svg', {
      width: width,
      height: stages.length * (barHeight + gap),
      role: 'img',
      'aria-label': 'Deals that entered each stage',
    });
    stages.forEach(function (stage, i) {
      var y = i * (barHeight + gap);
      var w = Math.round((counts[stage] / max) * (width - labelWidth - valueWidth));
      var row = el('svg:g', { 'data-stage': stage, 'data-count': String(counts[stage]) });
      row.appendChild(el('svg:text', { x: 0, y: y + 15 }, stage));
      row.appendChild(el('svg:rect', { class: 'bar', x: labelWidth, y: y, width: w, height: barHeight }));
      row.appendChild(el('svg:text', { x: labelWidth + w + 6, y: y + 15, class: 'count' }, String(counts[stage])));
      svg.appendChild(row);
    });
    $('funnel-chart').replaceChildren(svg);
  }

  /** Seconds as the largest whole units a person reads at a glance: 2 d 5 h, 3 h 10 min, 45 s. */
  function duration(seconds) {
    var units = [
      ['d', 86400],
      ['h', 3600],
      ['min', 60],
      ['s', 1],
    ];
    var parts = [];
    var rest = Math.round(seconds);
    units.forEach(function (unit) {
      var n = Math.floor(rest / unit[1]);
      if (n > 0 && parts.length < 2) {
        parts.push(n + ' ' + unit[0]);
        rest -= n * unit[1];
      }
    });
    return parts.length ? parts.join(' ') : '0 s';
  }

  function drawRates(funnel) {
    var list = $('rates');
    list.replaceChildren();
    RATES.concat([['handoffRecords', 'Handoff records present']]).forEach(function (pair) {
      var rate = pair[0] === 'handoffRecords' ? funnel.total.handoffRecords : funnel.total.rates[pair[0]];
      var shown = rate.value === null ? '—' : (rate.value * 100).toFixed(1) + '%';
      list.appendChild(el('dt', {}, pair[1]));
      var dd = el(
        'dd',
        { 'data-rate': pair[0], 'data-value': rate.value === null ? '' : String(rate.value) },
        shown + ' ',
      );
      dd.appendChild(el('small', {}, '(' + rate.numerator + ' / ' + rate.denominator + ')'));
      list.appendChild(dd);
    });
    var handoff = funnel.total.timeToHandoff;
    list.appendChild(el('dt', {}, 'Time from won to handed off'));
    var took = el(
      'dd',
      { 'data-rate': 'timeToHandoff', 'data-value': handoff.median === null ? '' : String(handoff.median) },
      handoff.median === null ? '— ' : 'median ' + duration(handoff.median) + ', p90 ' + duration(handoff.p90) + ' ',
    );
    took.appendChild(el('small', {}, '(' + handoff.deals + ' handed off)'));
    list.appendChild(took);
    $('period').textContent = funnel.period.from + ' → ' + funnel.period.to;
  }

  // Amounts arrive as integer cents per currency; each currency gets its own chart, never a sum.
  function money(cents, currency) {
    try {
      return new Intl.NumberFormat('en', { style: 'currency', currency: currency }).format(cents / 100);
    } catch (e) {
      return (cents / 100).toFixed(2) + ' ' + currency;
    }
  }

  function plural(n, word) {
    return n + ' ' + word + (n === 1 ? '' : 's');
  }

  /**
   * One horizontal bar chart: rows of {key, label, value, text, attrs}; `value` sets the bar
   * length against the largest, `text` is what a person reads next to it.
   */
  function bars(label, rows, name) {
    var width = 720,
      barHeight = 20,
      gap = 6,
      labelWidth = 170,
      textWidth = 260;
    var max = Math.max.apply(
      null,
      rows
        .map(function (r) {
          return r.value;
        })
        .concat([1]),
    );
    var svg = el('svg:svg', {
      width: width,
      height: Math.max(rows.length, 1) * (barHeight + gap),
      role: 'img',
      'aria-label': label,
      'data-chart': name,
    });
    rows.forEach(function (r, i) {
      var y = i * (barHeight + gap);
      var w = Math.round((r.value / max) * (width - labelWidth - textWidth));
      var attrs = Object.assign({ 'data-key': r.key }, r.attrs || {});
      var row = el('svg:g', attrs);
      row.appendChild(el('svg:text', { x: 0, y: y + 14, class: 'label' }, r.label));
      row.appendChild(el('svg:rect', { class: 'bar', x: labelWidth, y: y, width: w, height: barHeight }));
      if (r.inner !== undefined) {
        var inner = Math.round((r.inner / max) * (width - labelWidth - textWidth));
        row.appendChild(
          el('svg:rect', { class: 'bar inner', x: labelWidth, y: y + 5, width: inner, height: barHeight - 10 }),
        );
      }
      row.appendChild(el('svg:text', { x: labelWidth + w + 6, y: y + 14, class: 'count' }, r.text));
      svg.appendChild(row);
    });
    if (!rows.length) svg.appendChild(el('svg:text', { x: 0, y: 14, class: 'empty' }, 'Nothing in this view'));
    return svg;
  }

  /** The currencies a list of summaries mentions, in code order. */
  function currenciesOf(summaries) {
    var seen = {};
    summaries.forEach(function (s) {
      s.values.forEach(function (v) {
        seen[v.currency] = true;
      });
    });
    return Object.keys(seen).sort();
  }

  function valueIn(summary, currency) {
    return (
      summary.values.filter(function (v) {
        return v.currency === currency;
      })[0] || { deals: 0, valueCents: 0, weightedCents: 0 }
    );
  }

  /** Open value per currency: a chart per currency, the weighted value drawn inside the bar. */
  function valueCharts(target, summaries, keyOf, labelOf, title) {
    var box = $(target);
    box.replaceChildren();
    var currencies = currenciesOf(summaries);
    if (!currencies.length) box.appendChild(el('p', { class: 'empty' }, 'No open deal has a value.'));
    currencies.forEach(function (currency) {
      var rows = summaries.map(function (s) {
        var v = valueIn(s, currency);
        return {
          key: keyOf(s),
          label: labelOf(s),
          value: v.valueCents,
          inner: v.weightedCents,
          text:
            money(v.valueCents, currency) +
            ' · weighted ' +
            money(v.weightedCents, currency) +
            ' · ' +
            plural(v.deals, 'deal'),
          attrs: {
            'data-currency': currency,
            'data-value': String(v.valueCents),
            'data-weighted': String(v.weightedCents),
          },
        };
      });
      box.appendChild(el('h3', {}, title + ' · ' + currency));
      box.appendChild(bars(title + ' in ' + currency, rows, target + '-' + currency));
    });
  }

  function ownerLabel(id, name) {
    return name || 'Unknown person (' + id.slice(0, 8) + ')';
  }

  function drawPipeline(p) {
    valueCharts(
      'open-by-stage',
      p.open.byStage,
      function (s) {
        return s.stage;
      },
      function (s) {
        return s.stage + (s.withoutValue ? ' (+' + s.withoutValue + ' no value)' : '');
      },
      'Open value by stage',
    );
    valueCharts(
      'open-by-owner',
      p.open.byOwner,
      function (s) {
        return s.ownerId;
      },
      function (s) {
        return ownerLabel(s.ownerId, s.ownerName);
      },
      'Open value by owner',
    );
    valueCharts(
      'forecast',
      p.forecast.months,
      function (m) {
        return m.month;
      },
      function (m) {
        return m.month;
      },
      'Expected to close',
    );
    var unscheduled = p.forecast.unscheduled.deals;
    $('forecast').appendChild(
      el('p', { class: 'note' }, plural(unscheduled, 'open deal') + ' without an expected close date.'),
    );

    var outcomes = $('outcomes');
    outcomes.replaceChildren();
    [
      ['won', 'Won', p.won],
      ['lost', 'Lost', p.lost],
    ].forEach(function (o) {
      var text = o[2].values
        .map(function (v) {
          return money(v.valueCents, v.currency);
        })
        .join(' + ');
      outcomes.appendChild(el('dt', {}, o[1]));
      outcomes.appendChild(
        el(
          'dd',
          { 'data-outcome': o[0] },
          plural(o[2].deals, 'deal') +
            (text ? ' · ' + text : '') +
            (o[2].withoutValue ? ' (' + o[2].withoutValue + ' without value)' : ''),
        ),
      );
    });
    $('lost-reasons').replaceChildren(
      bars(
        'Lost deals by reason',
        p.lost.reasons.map(function (r) {
          return {
            key: r.reason,
            label: r.reason.replace(/_/g, ' '),
            value: r.deals,
            text:
              plural(r.deals, 'deal') +
              r.values
                .map(function (v) {
                  return ' · ' + money(v.valueCents, v.currency);
                })
                .join(''),
            attrs: { 'data-reason': r.reason, 'data-deals': String(r.deals) },
          };
        }),
        'lost-reasons',
      ),
    );
    $('time-in-stage').replaceChildren(
      bars(
        'Average time in each stage',
        p.timeInStage.map(function (s) {
          return {
            key: s.stage,
            label: s.stage,
            value: s.averageSeconds || 0,
            text: s.stays
              ? 'avg ' +
                duration(s.averageSeconds) +
                ' · p90 ' +
                duration(s.p90Seconds) +
                ' · ' +
                plural(s.stays, 'stay')
              : 'no stay ended',
            attrs: { 'data-stage': s.stage, 'data-stays': String(s.stays) },
          };
        }),
        'time-in-stage',
      ),
    );
    var blocked = p.blocked.filter(function (b) {
      return b.deals > 0;
    });
    var box = $('blocked');
    box.replaceChildren(
      bars(
        'Time blocked per code',
        blocked.map(function (b) {
          return {
            key: b.code,
            label: b.code,
            value: b.totalSeconds,
            text:
              duration(b.totalSeconds) +
              ' · ' +
              plural(b.deals, 'deal') +
              (b.ongoing ? ' · ' + b.ongoing + ' still blocked' : ''),
            attrs: { 'data-code': b.code, 'data-deals': String(b.deals) },
          };
        }),
        'blocked',
      ),
    );
    var longest = el('ul', { class: 'longest' });
    blocked.forEach(function (b) {
      b.longest.forEach(function (d) {
        longest.appendChild(
          el(
            'li',
            { 'data-code': b.code, 'data-id': d.id },
            b.code +
              ': ' +
              d.company +
              ' (' +
              ownerLabel(d.ownerId, d.ownerName) +
              ') ' +
              duration(d.seconds) +
              (d.ongoing ? ', still blocked' : ''),
          ),
        );
      });
    });
    box.appendChild(longest);
    // The owner filter offers the people the pipeline names, so nobody has to know an id.
    var list = $('owners');
    list.replaceChildren();
    p.open.byOwner.forEach(function (o) {
      list.appendChild(el('option', { value: o.ownerId, label: ownerLabel(o.ownerId, o.ownerName) }));
    });
  }

  function drawStuck(page, append) {
    var body = $('stuck').querySelector('tbody');
    if (!append) body.replaceChildren();
    page.items.forEach(function (deal) {
      var tr = el('tr', { 'data-id': deal.id });
      tr.appendChild(el('td', {}, deal.company + ' · ' + deal.title));
      tr.appendChild(el('td', {}, deal.stage));
      tr.appendChild(el('td', { title: deal.ownerId, class: 'owner' }, ownerLabel(deal.ownerId, deal.ownerName)));
      var why = el('ul');
      deal.reasons.forEach(function (r) {
        why.appendChild(el('li', { 'data-reason': r.code }, r.why));
      });
      var cell = el('td');
      cell.appendChild(why);
      tr.appendChild(cell);
      tr.appendChild(el('td', {}, new Date(deal.since).toLocaleString()));
      var link = el('td');
      if (deal.links.workflow)
        link.appendChild(el('a', { href: deal.links.workflow, target: '_blank', rel: 'noopener' }, 'Temporal UI'));
      tr.appendChild(link);
      body.appendChild(tr);
    });
    nextCursor = page.nextCursor;
    $('more').hidden = !nextCursor;
  }

  // Only the latest load draws: an earlier one (the automatic load with a saved token, before
  // the filters changed) that answers late must not overwrite it.
  var loads = 0;

  function load() {
    var mine = ++loads;
    document.body.removeAttribute('data-loaded');
    localStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('status').textContent = 'Loading…';
    return Promise.all([api(funnelPath()), api(stuckPath(null)), api(pipelinePath())])
      .then(function (results) {
        if (mine !== loads) return;
        drawFunnel(results[0].total.counts);
        drawRates(results[0]);
        drawStuck(results[1], false);
        drawPipeline(results[2]);
        $('status').textContent = 'Loaded ' + new Date().toLocaleTimeString();
        document.body.setAttribute('data-loaded', 'true');
      })
      .catch(function (error) {
        if (mine !== loads) return;
        $('status').textContent = 'Could not load: ' + error.message;
      });
  }

  $('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    load();
  });
  $('more').addEventListener('click', function () {
    api(stuckPath(nextCursor)).then(function (page) {
      drawStuck(page, true);
    });
  });
  var saved = localStorage.getItem(TOKEN_KEY);
  if (saved) {
    $('token').value = saved;
    load();
  }
})();
