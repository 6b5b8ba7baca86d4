// ECharts with only what the dashboards draw (bar, line, funnel; grid, tooltip, legend; canvas):
// imported by name so the rest of ECharts stays out of the bundle. Loaded on first chart.
import { use, init } from 'echarts/core'
import { BarChart, LineChart, FunnelChart } from 'echarts/charts'
import { GridComponent, TooltipComponent, LegendComponent, TitleComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, LineChart, FunnelChart, GridComponent, TooltipComponent, LegendComponent, TitleComponent, CanvasRenderer])

export { init }
